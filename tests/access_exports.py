"""Authorization-matrix entries for exports and open data (merged into the matrix test).

Officers download the team's exports; officers and admins the 360Giving open data; the
others are refused (403: the pages are no secret). The publication of `award` is set by an
officer; its group sees the award but may not change it (403); the rest never learn it
exists (404). An empty choice is refused with a message on the award page (302).
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, only


def _for(**statuses) -> dict:
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


ENTRIES: dict = {
    "exports.index": ("GET", {}, only(("officer", "admin"))),
    "exports.download": ("GET", {"kind": "awards", "fmt": "csv"}, only(("officer",))),
    "exports.open_data": ("GET", {"fmt": "json"}, only(("officer", "admin"))),
    "exports.set_publication": ("POST", {"award_id": "award"},
                                _for(applicant=403, officer=302)),
}
