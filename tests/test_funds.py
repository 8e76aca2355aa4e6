"""Funds: admins set them up with money in minor units; officers read them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grants import money
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallType, Fund


def _post(client, url="/funds/new", **data):
    base = {"name": "Protection Fund", "description": "", "currency": "EUR",
            "envelope": "250,000.50", "rapid_response_target_hours": "48", "is_active": "y",
            "is_protection": "y"}
    return client.post(url, data={**base, **data})


def test_admin_creates_a_fund_with_the_envelope_in_minor_units(app, client, auth, world):
    auth.login(world.admin)
    assert _post(client).status_code == 302
    with app.app_context():
        fund = db.session.scalar(sa.select(Fund).where(Fund.name == "Protection Fund"))
        assert (fund.currency, fund.envelope_minor) == ("EUR", 25_000_050)
        assert fund.is_protection and fund.rapid_response_target_hours == 48
    page = client.get("/funds/").data.decode()
    assert "250,000.50" in page


def test_a_bad_amount_says_why_and_keeps_the_form(client, auth, world):
    auth.login(world.admin)
    r = _post(client, envelope="a lot", name="Kept Name")
    assert r.status_code == 200
    assert b"Enter an amount in numbers" in r.data and b'value="Kept Name"' in r.data


def test_the_currency_is_fixed_once_a_call_uses_the_fund(app, client, auth, world):
    with app.app_context():
        db.session.add(Call(fund_id=world.fund.id, call_type=CallType.OPEN, currency="USD",
                            amount_max_minor=1000))
        db.session.commit()
    auth.login(world.admin)
    r = _post(client, url=f"/funds/{world.fund.id}/edit", name=world.fund.name, currency="EUR")
    assert b"currency cannot change" in r.data


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("1500", "USD", 150_000), ("1500.5", "USD", 150_050), ("0.01", "EUR", 1),
    ("1500", "JPY", 1500), ("12.345", "KWD", 12_345),
])
def test_amounts_parse_to_minor_units(text, currency, minor):
    assert money.to_minor(text, currency) == minor


@pytest.mark.parametrize(("text", "currency"), [("1.001", "USD"), ("1.5", "JPY"), ("-3", "EUR"),
                                                ("NaN", "USD"), ("1e30", "USD"), ("", "USD")])
def test_impossible_amounts_are_refused(text, currency):
    with pytest.raises(ServiceError):
        money.to_minor(text, currency)
