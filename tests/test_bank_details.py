"""A bank transfer asks what a bank needs: the account holder, the bank,
its country, an IBAN whose checksum is checked or a local account number, and a checked BIC;
kept encrypted and shown masked, like account numbers before. Payments recorded with only an
account number keep showing it masked."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import Disbursement, Tranche, User
from tests import factories

IBAN = "DE89 3704 0044 0532 0130 00"
GERMAN = {"route": "bank_transfer", "amount": "5", "holder": "Frauen für Frieden e.V.",
          "bank": "Commerzbank", "bank_country": "DE", "iban": IBAN, "bic": ""}
LOCAL = {"route": "bank_transfer", "amount": "5", "holder": "Colectivo Tierra Viva",
         "bank": "Banco Popular", "bank_country": "CO", "account": "0123 4567 8821",
         "bic": "BPOPCOBB"}


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _url(world) -> str:
    return f"/payments/tranches/{world.released.id}/schedule"


def _count(app, world) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Disbursement.id)).where(
            Disbursement.tranche_id == world.released.id))


def test_the_schedule_form_asks_what_a_bank_needs(app, client, auth, world):
    auth.login(world.officer)
    page = _page(client.get(_url(world)))
    for label in ("Account holder", "Bank", "Country of the bank", "IBAN", "BIC (SWIFT code)",
                  "Local account number"):
        assert f">{label}" in page, label


@pytest.mark.parametrize("change, field, message", [
    ({"iban": IBAN[:-1] + "1"}, "iban", "This IBAN is not valid"),  # a wrong check digit
    ({"iban": "DE89 3704"}, "iban", "This IBAN is not valid"),
    ({"bank_country": "FR"}, "iban", "another country than the one chosen"),
    ({"bic": "DEUTXXFF"}, "bic", "This BIC (SWIFT code) is not valid"),
    ({"bic": "BUKBGB22"}, "bic", "another country than the one chosen"),
    ({"holder": ""}, "holder", "Enter the account holder"),
    ({"bank": " "}, "bank", "Enter the name of the bank."),
    ({"bank_country": ""}, "bank_country", "Choose the bank's country."),
    ({"iban": ""}, "iban", "Enter the IBAN, or the local account number"),
    ({"account": "12345678"}, "account", "not both"),
])
def test_bank_details_a_bank_would_refuse_are_refused_keeping_what_was_typed(
        app, client, auth, world, change, field, message):
    auth.login(world.officer)
    before = _count(app, world)
    r = client.post(_url(world), data={**GERMAN, **change})
    page = _page(r)
    assert r.status_code == 200 and message in page
    assert f'id="{field}-error"' in page  # said beside the field it is about
    assert GERMAN["holder"] in page or change.get("holder") == ""  # nothing typed is lost
    assert _count(app, world) == before


def test_a_local_account_needs_the_bic(app, client, auth, world):
    auth.login(world.officer)
    page = _page(client.post(_url(world), data={**LOCAL, "bic": ""}))
    assert "Enter the bank's BIC" in page and LOCAL["account"] in page


@pytest.mark.parametrize("details, shown, hidden", [
    (GERMAN, ["IBAN", "•••• 3000", "Commerzbank", "Frauen für Frieden e.V.", "COBADEFFXXX"],
     ["0044 0532", "00440532", "DE89 3704", "DE893704"]),
    (LOCAL, ["Account", "•••• 8821", "Banco Popular", "Colectivo Tierra Viva", "BPOPCOBB"],
     ["0123 4567", "01234567", "4567 8821"]),
])
def test_checked_bank_details_are_kept_encrypted_and_shown_masked(app, client, auth, world,
                                                                  details, shown, hidden):
    auth.login(world.officer)
    r = client.post(_url(world), data=details)
    assert r.status_code == 302
    page = _page(client.get(r.headers["Location"]))
    for text in shown:
        assert text in page, text
    for text in hidden:
        assert text not in page, text
    with app.app_context():
        raw = db.session.execute(sa.text(
            "SELECT bank_details, route_details FROM disbursements WHERE id = :id"),
            {"id": int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])}).one()
    assert not any(text in str(raw) for text in (*hidden, details["holder"], details["bank"]))


def test_a_payment_recorded_with_only_an_account_number_still_shows_it_masked(
        app, client, auth, world):
    with app.app_context():
        d = factories.disbursement(db.session.get(Tranche, world.released.id),
                                   db.session.get(User, world.officer.id), amount_minor=500)
        d.bank_details = "000123456789"  # as payments were recorded before
        db.session.commit()
        d_id = d.id
    auth.login(world.officer)
    page = _page(client.get(f"/payments/{d_id}"))
    assert "•••• 6789" in page and "000123456789" not in page
