"""Authorization-matrix entries for rapid response (merged into the matrix test).

`rapid_call` is an open rapid-response call: a defender (an applicant) or a partner's
staff (an intermediary) may file on it, and so may a visitor without an account (the form
makes one in the same visit); staff may not. `rapid_request` was filed by
`intermediary` for a defender: officers read and decide it, its partner sees it but acts
on none of this, and everyone else never learns it exists. It is not approved yet, so an
invitation to a longer-term call is refused even to officers.
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, only

RAPID = {"application_id": "rapid_request"}


def _for(**statuses) -> dict:
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


ENTRIES: dict = {
    "rapid.new_request": ("GET", {"call_id": "rapid_call"},
                           {**only(("applicant", "stranger", "intermediary")),
                            "anon": 200}),
    "rapid.decide": ("GET", RAPID, _for(intermediary=403, officer=200)),
    "rapid.invite": ("POST", RAPID, _for(intermediary=403, officer=403)),
}
