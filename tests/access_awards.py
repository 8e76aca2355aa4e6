"""Authorization-matrix entries for grants/awards (merged into the matrix test).

`award` is the applicant's active award: its group and officers see it, nobody else learns
it exists (404). Officers act on it (others who see it get 403); only the group sends its
reports. `tranche` is gated by `report`, which is sent but not accepted, so releasing it is
refused with a message (302 back to the award page). `report` has no uploaded file: its
download is 404 for all.
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, signed_in


def _for(**statuses) -> dict:
    """404 (not even seen) for every signed-in role not named; log-in for the anonymous."""
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


SEEN = _for(applicant=200, officer=200)
OFFICER_FORM = _for(applicant=403, officer=200)
AWARD = {"award_id": "award"}
REQUIREMENT = {"award_id": "award", "requirement_id": "requirement"}
REPORT = {"award_id": "award", "report_id": "report"}

ENTRIES: dict = {
    "awards.index": ("GET", {}, signed_in(200)),
    "awards.show": ("GET", AWARD, SEEN),
    "awards.release": ("POST", {"award_id": "award", "tranche_id": "tranche"},
                       _for(applicant=403, officer=302)),
    "awards.edit_schedule": ("GET", AWARD, OFFICER_FORM),
    "awards.extend": ("GET", AWARD, OFFICER_FORM),
    "awards.reallocate": ("GET", AWARD, OFFICER_FORM),
    "awards.change_status": ("GET", AWARD, OFFICER_FORM),
    "awards.send_report": ("GET", REQUIREMENT, _for(applicant=200, officer=403)),
    "awards.record_conversation": ("GET", REQUIREMENT, OFFICER_FORM),
    "awards.edit_requirement": ("GET", REQUIREMENT, OFFICER_FORM),
    "awards.report": ("GET", REPORT, SEEN),
    # An empty decision is refused on the report's page: 200, nothing changed.
    "awards.review_report": ("POST", REPORT, OFFICER_FORM),
    "awards.report_file": ("GET", REPORT, _for()),
}
