"""Authorization-matrix entries for the Stripe routes (merged into the matrix test).

The matrix runs with Stripe off (no keys), as the portal does by default: the donation pages
are public and say that card donations are not available; starting a payment and the
webhook answer 404. A group's Stripe page is its owner's: officers and admins see the group
but may not act (403), others never learn it exists (404); with Stripe off its actions
answer the owner 404. tests/test_stripe_transfers.py checks the same routes for all roles
with Stripe on.
"""

from __future__ import annotations

from tests.access import LOGIN, everyone, only

FUND = {"fund_id": "fund"}
ORG = {"org_id": "org"}


def _owner(status: int) -> dict:
    return {"anon": LOGIN, "applicant": status, "stranger": 404, "reviewer": 404,
            "officer": 403, "intermediary": 404, "admin": 403}


ENTRIES: dict = {
    "stripe.donate_index": ("GET", {}, everyone(200)),
    "stripe.donate": ("GET", FUND, everyone(200)),
    "stripe.create_intent": ("POST", FUND, everyone(404)),
    "stripe.donate_thanks": ("GET", FUND, everyone(200)),
    "stripe.income": ("GET", {}, only(("officer", "admin"))),
    "stripe.webhook": ("POST", {}, everyone(404)),
    "stripe.account": ("GET", ORG, _owner(200)),
    "stripe.onboard": ("POST", ORG, _owner(404)),
    "stripe.onboard_refresh": ("GET", ORG, _owner(404)),
    "stripe.onboard_return": ("GET", ORG, _owner(404)),
}
