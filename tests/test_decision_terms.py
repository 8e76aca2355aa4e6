"""Decisions show what is decided: every approval shows its terms as
understood before it is made, an amount far from the request needs a tick, the second officer
sees every term they confirm, and a call's years read naturally in every language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from grants.extensions import db
from grants.models import Application, Award, AwardStatus
from grants.money import format_money

LANGUAGES = ["en", "es", "fr", "pt", "ru", "ar", "fa"]
TERMS = {"decision": "approve", "amount": "1,500", "currency": "USD",
         "start_date": "2027-01-01", "years": "1", "support_type": "core",
         "conditions": "Share the safety plan with us."}


def _page(response) -> str:
    return response.get_data(as_text=True)


def _award(app, application_id: int) -> Award | None:
    with app.app_context():
        return db.session.scalar(sa.select(Award).where(Award.application_id == application_id))


def test_every_approval_shows_its_terms_before_it_is_made(app, client, auth, world):
    with app.app_context():
        group = db.session.get(Application, world.submitted.id).organisation.name
    auth.login(world.officer)
    url = f"/review/applications/{world.submitted.id}/decide"
    r = client.post(url, data=TERMS)
    page = _page(r)
    assert r.status_code == 200 and "Check the terms" in page
    for shown in ("$1,500.00", "1 year", "2027-01-01", "2027-12-31", "Core support",
                  "Share the safety plan with us.", group):
        assert shown in page, shown
    assert "far from what the group asked for" not in page  # 1.5 times: within the factor
    for name, value in TERMS.items():  # what was typed travels on, as typed
        if name != "decision":
            assert f'name="{name}" value="{value}"' in page, name
    assert _award(app, world.submitted.id) is None  # nothing decided yet

    r = client.post(url, data={**TERMS, "decision": "change", "confirmed": "1"})
    assert r.status_code == 200 and 'value="1,500"' in _page(r)  # the form, as typed
    assert "Share the safety plan with us." in _page(r) and _award(app, world.submitted.id) is None

    assert client.post(url, data={**TERMS, "confirmed": "1"}).status_code == 302
    award = _award(app, world.submitted.id)
    assert (award.amount_minor, award.status) == (150_000, AwardStatus.ACTIVE)


@pytest.mark.parametrize("amount", ["24,000", "400"])
def test_an_amount_far_from_the_request_is_said_and_must_be_ticked(app, client, auth, world,
                                                                   amount):
    auth.login(world.officer)
    url = f"/review/applications/{world.submitted.id}/decide"
    terms = {**TERMS, "amount": amount}
    page = _page(client.post(url, data=terms))
    assert "far from what the group asked for" in page and "$1,000.00" in page  # requested
    assert "Yes, approve this amount" in page
    r = client.post(url, data={**terms, "confirmed": "1"})
    assert r.status_code == 200 and "Tick the box" in _page(r)
    assert _award(app, world.submitted.id) is None
    assert client.post(url, data={**terms, "confirmed": "1", "far_ok": "y"}).status_code == 302
    assert _award(app, world.submitted.id).amount_minor == int(amount.replace(",", "")) * 100


def test_a_refused_term_shows_on_the_form_not_on_the_confirmation(app, client, auth, world):
    auth.login(world.officer)
    r = client.post(f"/review/applications/{world.submitted.id}/decide",
                    data={**TERMS, "years": "4"})
    page = _page(r)
    assert "Check the terms" not in page and "An award from this call lasts one year." in page
    assert "1 to 1" not in page and 'value="1,500"' in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_calls_years_read_naturally_in_every_language(app, client, auth, world, lang):
    with app.app_context():
        call = db.session.get(Application, world.submitted.id).call
        call.max_years = 3 if lang in ("ru", "ar") else 1
        db.session.commit()
    auth.login(world.officer)
    client.set_cookie("lang", lang)
    page = _page(client.post(f"/review/applications/{world.submitted.id}/decide",
                             data={**TERMS, "amount": "1500", "years": "4"}))
    with app.test_request_context(), force_locale(lang):
        if lang in ("ru", "ar"):
            from flask_babel import ngettext
            wanted = ngettext("An award from this call lasts 1 to %(num)d year.",
                              "An award from this call lasts 1 to %(num)d years.", 3)
        else:
            wanted = gettext("An award from this call lasts one year.")
    assert wanted in page.replace("&#39;", "'")
    assert "1 to 1" not in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_confirmation_is_in_the_page_language(app, client, auth, world, lang):
    auth.login(world.officer)
    client.set_cookie("lang", lang)
    r = client.post(f"/review/applications/{world.submitted.id}/decide",
                    data={**TERMS, "amount": "24000", "confirmed": "1"})
    page = _page(r).replace("&#39;", "'")
    assert r.status_code == 200
    assert format_money(2_400_000, "USD", lang) in page
    with app.test_request_context(), force_locale(lang):
        for text in ("Yes, approve this amount", "Approve on these terms", "Change the terms",
                     "Tick the box to approve an amount this far from the request, or change "
                     "the terms."):
            assert gettext(text) in page, text


def test_the_second_officer_sees_every_term_they_confirm(app, client, auth, world):
    auth.login(world.officer)  # the pending award was approved first by `colleague`
    application_id = world.pending_award.application_id
    for path in ("", "/decide"):
        page = _page(client.get(f"/review/applications/{application_id}{path}"))
        assert "Confirm the approval as second officer" in page
        for shown in ("$100,000.00", "The group asked for $1,000.00", "3 years", "2026-01-01",
                      "2028-12-31", "Core support", "$33,333.34", "$33,333.33", "2027-01-01",
                      "2028-01-01"):
            assert shown in page, (path, shown)


def test_an_emergency_approval_shows_its_terms_and_warns_when_far(app, client, auth, world):
    auth.login(world.officer)
    url = f"/review/applications/{world.rapid_request.id}/rapid"
    terms = {"decision": "approve", "amount": "24,000", "currency": "USD",
             "route": "mobile_money", "route_detail": "M-Pesa"}
    page = _page(client.post(url, data=terms))
    for shown in ("Check the terms", "$24,000.00", "Mobile money", "M-Pesa", "1 year",
                  "far from what the group asked for", "$1,000.00"):
        assert shown in page, shown
    assert _award(app, world.rapid_request.id) is None
    r = client.post(url, data={**terms, "confirmed": "1"})
    assert r.status_code == 200 and "Tick the box" in _page(r)
    assert client.post(url, data={**terms, "confirmed": "1", "far_ok": "y"}).status_code == 302
    assert _award(app, world.rapid_request.id).amount_minor == 2_400_000


@pytest.mark.parametrize("raw", ["one and a half", "0", "-2", "NaN"])
def test_a_wrong_warning_factor_stops_the_start_not_a_request(monkeypatch, tmp_path, raw):
    from grants.config import ConfigError, defaults

    monkeypatch.setenv("APPROVAL_WARN_ABOVE", raw)
    with pytest.raises(ConfigError, match="APPROVAL_WARN_ABOVE"):
        defaults(str(tmp_path))
