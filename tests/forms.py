"""Valid forms to post, as a person fills them in: a new call (an officer) and a
rapid-response request (a defender, or a partner for one). A test overrides the fields it is
about. Shared by tests/test_calls.py, tests/test_rapid.py and tests/test_money.py.
"""

from __future__ import annotations

from datetime import date, timedelta

SOON = date.today() + timedelta(days=30)  # a new call's closing date
RAPID_SECRET = "Two men followed her home from the court"  # what happened, in a request


def call_form(fund_id: int, /, **overrides) -> dict:
    """A valid new-call form; an override of None leaves the field out (an unticked box)."""
    data = {
        "call_type": "open", "fund_id": str(fund_id), "languages": ["en", "es"],
        "main_language": "", "opens_on": "", "closes_on": SOON.isoformat(),
        "amount_min": "1,000", "amount_max": "25000.50", "allow_registered": "y",
        "allow_unregistered": "y", "allow_individuals": "y", "min_protection_share": "10",
        "min_psychosocial_share": "5.25", "attachments_required": "1",
        "allow_reused_proposal": "y", "max_years": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rapid_form(**overrides) -> dict:
    """A valid rapid-response request; an override of None leaves the field out."""
    data = {"organisation": "", "what_happened": RAPID_SECRET,
            "needs_now": "New locks, a safe phone", "category": "in_country", "currency": "USD",
            "line1_category": "protection_security",
            "line1_description": "Locks and a camera", "line1_amount": "1,200",
            "line2_category": "dependants_support", "line2_description": "Childcare, 2 weeks",
            "line2_amount": "300", "safe_contact": "Signal after 6 pm",
            "written_in": "Español"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
