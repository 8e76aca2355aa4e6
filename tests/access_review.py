"""Authorization-matrix entries for grants/review (merged into the matrix test).

`reviewed` is the applicant's sent application with `reviewer` assigned (no conflict
declared): officers manage and decide it, the reviewer scores it, the group sees it but
acts on none of this, and everyone else never learns it exists. `pending_award` was first
approved by another officer, so `officer` may confirm it.
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, only


def _for(**statuses) -> dict:
    """404 (not even seen) for every signed-in role not named; log-in for the anonymous."""
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


OFFICERS = _for(applicant=403, reviewer=403, officer=200)
REVIEWED = {"application_id": "reviewed"}

ENTRIES: dict = {
    "review.queue": ("GET", {}, only(("reviewer", "officer"))),
    "review.application": ("GET", REVIEWED, OFFICERS),
    # An empty choice is refused with a message on the review page.
    "review.assign_officer": ("POST", REVIEWED, _for(applicant=403, reviewer=403,
                                                     officer=302)),
    "review.assign_reviewer": ("POST", REVIEWED, _for(applicant=403, reviewer=403,
                                                      officer=302)),
    # The reviewer already answered; an officer who was not assigned may step away.
    "review.declare": ("GET", REVIEWED, OFFICERS),
    "review.score": ("GET", REVIEWED, _for(applicant=403, reviewer=200, officer=403)),
    "review.request_info": ("GET", REVIEWED, OFFICERS),
    "review.decide": ("GET", REVIEWED, OFFICERS),
    # A pending award is seen by officers only; the one who made it is refused (403).
    "review.confirm_approval": ("POST", {"award_id": "pending_award"}, _for(officer=302)),
    "review.rubric": ("GET", {"call_id": "call"}, only(("officer", "admin"))),
}
