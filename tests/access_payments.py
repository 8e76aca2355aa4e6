"""Authorization-matrix entries for the payments routes (merged into the matrix test).

`disbursement` is a scheduled bank transfer of 100.00 (below the two-person limit) out of
`released`, the applicant's award's released tranche, scheduled by `officer`. The ledger
and a disbursement's page are for officers only: nobody else learns a payment exists (404);
the group follows its payments on the award page. Only an officer schedules (the group,
which sees the award, gets 403). Actions the payment's state does not allow are refused on
its page (200 with the message); approving and cancelling it work (302).
"""

from __future__ import annotations

from tests.access import LOGIN, ROLES, only


def _for(**statuses) -> dict:
    """404 for every signed-in role not named; log-in for the anonymous."""
    return {r: LOGIN if r == "anon" else statuses.get(r, 404) for r in ROLES}


PAYMENT = {"disbursement_id": "disbursement"}

ENTRIES: dict = {
    "payments.index": ("GET", {}, only(("officer",))),
    "payments.show": ("GET", PAYMENT, _for(officer=200)),
    "payments.schedule": ("GET", {"tranche_id": "released"}, _for(applicant=403, officer=200)),
    "payments.approve": ("POST", PAYMENT, _for(officer=302)),
    "payments.send": ("POST", PAYMENT, _for(officer=200)),
    "payments.mark_paid": ("POST", PAYMENT, _for(officer=200)),
    "payments.mark_failed": ("POST", PAYMENT, _for(officer=200)),
    "payments.mark_returned": ("POST", PAYMENT, _for(officer=200)),
    "payments.cancel": ("POST", PAYMENT, _for(officer=302)),
    "payments.countries_index": ("GET", {}, only(("officer", "admin"))),
    "payments.edit_country": ("GET", {"code": "KE"}, only(("admin",))),
}
