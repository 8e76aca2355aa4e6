"""Money typed as people write it: amounts and percentages are read in
the page's language, text that reads two ways is asked about, and every amount the portal
writes reads back to itself."""

from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal

import pytest
import sqlalchemy as sa
from babel.numbers import format_currency, format_decimal
from flask_wtf import FlaskForm
from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import grants
from grants import money
from grants.errors import ServiceError
from grants.extensions import db
from grants.fields import AmountField
from grants.models import Application, Call, Fund

AMBIGUOUS, REFUSED = "ambiguous", "refused"
NBSP, NNBSP = "\u00a0", "\u202f"

# (language, typed, currency, minor units or the refusal); every language, every mark.
TABLE = [
    # English: "." decimal, "," groups
    ("en", "1500", "USD", 150_000), ("en", "1,500", "USD", 150_000),
    ("en", "1,500.50", "USD", 150_050), ("en", "1.500", "USD", AMBIGUOUS),
    ("en", "1.50", "USD", 150), ("en", "0.500", "USD", 50), ("en", "12.500,75", "USD", 1_250_075),
    ("en", "1.500.000", "USD", 150_000_000), ("en", "US$1,500", "USD", 150_000),
    ("en", "$ 20", "USD", 2000), ("en", "20 USD", "USD", 2000), ("en", "usd 20", "USD", 2000),
    ("en", "1'500.25", "USD", 150_025), ("en", "1 500", "USD", 150_000),
    ("en", f"1{NBSP}500", "USD", 150_000), ("en", "1,5", "USD", 150),
    ("en", "1,50,000", "USD", REFUSED), ("en", "1,,500", "USD", REFUSED),
    ("en", "-5", "USD", REFUSED), ("en", "fifty", "USD", REFUSED), ("en", "1e3", "USD", REFUSED),
    ("en", "", "USD", REFUSED), ("en", "1,500", "JPY", 1500), ("en", "¥1,500", "JPY", 1500),
    ("en", "£2.5", "GBP", 250),
    # Spanish: "," decimal, "." groups ("1.500" is one thousand five hundred)
    ("es", "3.000", "USD", 300_000), ("es", "400,50", "USD", 40_050),
    ("es", "1.500", "USD", 150_000), ("es", "2.000", "USD", 200_000),
    ("es", "1,500", "USD", AMBIGUOUS), ("es", "4.900,50 US$", "USD", 490_050),
    ("es", f"4.900,50{NBSP}US$", "USD", 490_050), ("es", "1,500.50", "USD", 150_050),
    ("es", "1 500,5", "USD", 150_050), ("es", "1,5", "USD", 150), ("es", "12,5", "EUR", 1250),
    ("es", "10,555", "USD", AMBIGUOUS), ("es", "1.50", "USD", 150),
    ("es", "€ 1.000.000", "EUR", 100_000_000),
    # French: "," decimal, narrow no-break space groups
    ("fr", f"1{NNBSP}500,50", "EUR", 150_050), ("fr", f"1{NNBSP}500,50{NBSP}€", "EUR", 150_050),
    ("fr", "1 500", "EUR", 150_000), ("fr", "1.500", "EUR", 150_000),
    ("fr", "1,500", "EUR", AMBIGUOUS), ("fr", "2 000 $US", "USD", 200_000),
    ("fr", "1'000,5", "CHF", 100_050),
    # Portuguese: "," decimal, "." groups
    ("pt", "R$ 3.000,00", "BRL", 300_000), ("pt", f"US${NBSP}1.500", "USD", 150_000),
    ("pt", "1,500", "USD", AMBIGUOUS), ("pt", "0,75", "USD", 75),
    # Russian: "," decimal, no-break space groups
    ("ru", f"1{NBSP}500,5", "USD", 150_050), ("ru", "3 000", "USD", 300_000),
    ("ru", f"1{NBSP}234{NBSP}567,50{NBSP}$", "USD", 123_456_750), ("ru", "1,500", "USD", AMBIGUOUS),
    # Arabic: "." decimal with latin digits; Arabic-Indic digits with U+066B and U+066C
    ("ar", "١٬٥٠٠", "USD", 150_000), ("ar", "١٥٠٠٫٥", "USD", 150_050),
    ("ar", "٤٬٩٠٠٫٥٠ US$", "USD", 490_050), ("ar", "\u200f1,500.00\u00a0US$", "USD", 150_000),
    ("ar", "1.500", "USD", AMBIGUOUS), ("ar", "١٫٥٠٠", "USD", 150),
    # Persian: Persian digits with U+066B and U+066C; latin digits with "." decimal
    ("fa", "۱۵۰۰", "USD", 150_000), ("fa", "۱٬۵۰۰٫۷۵", "USD", 150_075),
    ("fa", "\u200e$\u00a0۱٬۲۳۴٫۵۰", "USD", 123_450), ("fa", "1,500.5", "USD", 150_050),
    ("fa", "۱.۵۰۰", "USD", AMBIGUOUS), ("fa", "۱٫۵۰۰", "USD", 150),
]


@pytest.mark.parametrize(("lang", "typed", "currency", "expected"), TABLE)
def test_amounts_are_read_in_the_language_of_the_page(app, lang, typed, currency, expected):
    if expected == AMBIGUOUS:
        with pytest.raises(money.AmbiguousNumber) as caught:
            money.to_minor(typed, currency, locale=lang)
        assert len(set(caught.value.readings)) == 2
    elif expected == REFUSED:
        with pytest.raises(ServiceError) as caught:
            money.to_minor(typed, currency, locale=lang)
        assert not isinstance(caught.value, money.AmbiguousNumber)
    else:
        assert money.to_minor(typed, currency, locale=lang) == expected


def test_the_table_covers_every_language_and_mark():
    typed = "".join(t for _, t, _, _ in TABLE)
    assert {lang for lang, *_ in TABLE} == set(money.LANGUAGES)
    for mark in (".", ",", " ", NBSP, NNBSP, "'", "\u066b", "\u066c", "$", "€", "USD"):
        assert mark in typed, mark
    assert any("\u0660" <= c <= "\u0669" for c in typed)
    assert any("\u06f0" <= c <= "\u06f9" for c in typed)


@pytest.mark.parametrize(("lang", "typed", "bp"), [
    ("en", "12.5", 1250), ("en", "12.5%", 1250), ("es", "12,5 %", 1250),
    ("fr", "12,5\u00a0%", 1250),
    ("pt", "7,25%", 725), ("ru", "10", 1000), ("ar", "١٢٫٥٪", 1250), ("fa", "۱۲٫۵٪", 1250),
])
def test_percentages_read_the_same_way(lang, typed, bp):
    assert money.read_number(typed, lang, kind=money.PERCENT) * 100 == bp


# Every amount the portal writes reads back to itself --------------------------------------

WRITERS = [(lang, "latn") for lang in money.LANGUAGES] + [("ar", "arab"), ("fa", "arabext")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(WRITERS), st.sampled_from(money.CURRENCIES),
       st.integers(min_value=0, max_value=10**14 - 1), st.sampled_from(["symbol", "plain"]))
def test_every_amount_formatted_for_a_language_reads_back_to_itself(writer, currency, minor,
                                                                    style):
    lang, digits = writer
    value = money.from_minor(minor, currency)
    if style == "symbol":
        text = format_currency(value, currency, locale=lang, numbering_system=digits)
    else:
        text = format_decimal(value, locale=lang, numbering_system=digits)
    assert money.to_minor(text, currency, locale=lang) == minor, text
    assert money.to_minor(money.plain_amount(minor, currency, lang), currency,
                          locale=lang) == minor


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(money.LANGUAGES), st.integers(min_value=0, max_value=10_000))
def test_every_percentage_formatted_for_a_language_reads_back_to_itself(lang, bp):
    text = format_decimal(Decimal(bp) / 100, locale=lang) + "%"
    assert money.read_number(text, lang, kind=money.PERCENT) * 100 == bp


# Every money box of every form goes through the one field ----------------------------------

def _form_classes() -> list[type]:
    for info in pkgutil.walk_packages(grants.__path__, "grants."):
        importlib.import_module(info.name)
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("grants."):
            found.append(cls)
    return found


MONEY_WORDS = ("amount", "envelope", "regranting", "share", "percent", "price", "budget")


def test_every_money_field_of_every_form_reads_the_page_language():
    seen = []
    for cls in _form_classes():
        for name, unbound in vars(cls).items():
            if not isinstance(unbound, UnboundField):
                continue
            kw = unbound.kwargs.get("render_kw") or {}
            looks_money = (kw.get("inputmode") == "decimal"
                           or any(w in name for w in MONEY_WORDS))
            if looks_money:
                seen.append(f"{cls.__name__}.{name}")
                assert issubclass(unbound.field_class, AmountField), f"{cls.__name__}.{name}"
    assert len(seen) >= 12  # the forms of calls, funds, review, rapid, payments, pools


# Over HTTP, in Spanish ---------------------------------------------------------------------

def _budget(*amounts: str) -> dict[str, str]:
    categories = ("programme", "protection_security", "psychosocial")
    data = {}
    for i, amount in enumerate(amounts):
        data |= {f"rows-{i}-category": categories[i % 3], f"rows-{i}-description": f"Line {i}",
                 f"rows-{i}-amount": amount, f"rows-{i}-year": "1"}
    return data


def _wide_call(app, world) -> None:
    with app.app_context():
        call = db.session.get(Call, world.application.call_id)
        call.amount_min_minor, call.amount_max_minor = 0, 10**9
        db.session.commit()


def _lines(app, application_id: int) -> list[int]:
    with app.app_context():
        a = db.session.get(Application, application_id)
        return [line.amount_minor for line in a.budget_lines]


def test_the_spanish_budget_step_reads_amounts_as_spanish(app, client, auth, world):
    _wide_call(app, world)
    auth.login(world.applicant)
    client.set_cookie("lang", "es")
    url = f"/applications/{world.application.id}/step/3"
    client.post(url, data=_budget("1.500", "400,50", "2.000"))
    assert _lines(app, world.application.id) == [150_000, 40_050, 200_000]
    page = client.get(url).data.decode()
    assert 'value="1500,00"' in page and 'value="400,50"' in page  # read back to themselves
    assert "1.500,00" in page and "400,50" in page  # each line as understood


def test_a_spanish_amount_that_reads_two_ways_is_asked_about(app, client, auth, world):
    _wide_call(app, world)
    auth.login(world.applicant)
    client.set_cookie("lang", "es")
    url = f"/applications/{world.application.id}/step/3"
    before = _lines(app, world.application.id)
    page = client.post(url, data=_budget("1,500", "400,50", "200")).data.decode()
    assert _lines(app, world.application.id) == before  # nothing decided on a guess
    assert 'value="1,500"' in page  # kept as typed
    assert 'name="rows-0-meant" value="1500"' in page
    assert 'name="rows-0-meant" value="1.500"' in page
    client.post(url, data=_budget("1,500", "400,50", "200") | {"rows-0-meant": "1500"})
    assert _lines(app, world.application.id) == [150_000, 40_050, 20_000]


def test_a_spanish_fund_envelope_and_its_ambiguity(app, client, auth, world):
    auth.login(world.admin)
    client.set_cookie("lang", "es")
    base = {"name": "Fondo", "description": "", "currency": "EUR",
            "rapid_response_target_hours": "48", "is_active": "y"}
    page = client.post("/funds/new", data=base | {"envelope": "250,000"}).data.decode()
    assert 'value="250,000"' in page and 'name="envelope-meant"' in page
    r = client.post("/funds/new", data=base | {"envelope": "250,000", "envelope-meant": "250000"})
    assert r.status_code == 302
    with app.app_context():
        fund = db.session.scalar(sa.select(Fund).where(Fund.name == "Fondo"))
        assert fund.envelope_minor == 25_000_000
    page = client.get(f"/funds/{fund.id}/edit").data.decode()
    assert 'value="250000,00"' in page


def test_a_spanish_approval_reads_the_amount_as_spanish(app, client, auth, world):
    auth.login(world.officer)
    client.set_cookie("lang", "es")
    terms = {"decision": "approve", "amount": "1.000,50", "currency": "USD",
             "start_date": "2027-02-01", "years": "1", "support_type": "project"}
    url = f"/review/applications/{world.submitted.id}/decide"
    shown = client.post(url, data=terms)  # the terms shown back as understood, first
    assert "1.000,50" in shown.data.decode()
    r = client.post(url, data={**terms, "confirmed": "1", "far_ok": "y"})
    assert r.status_code == 302
    with app.app_context():
        from grants.models import Award
        award = db.session.scalar(sa.select(Award).where(
            Award.application_id == world.submitted.id))
        assert award.amount_minor == 100_050


def test_spanish_call_shares_are_read_as_spanish(app, client, auth, world):
    from tests.forms import call_form
    auth.login(world.officer)
    client.set_cookie("lang", "es")
    r = client.post("/calls/new", data=call_form(world.fund.id, amount_min="1.000",
                                                 amount_max="20.000,5", min_protection_share="12,5",
                                                 min_psychosocial_share="7,25 %"))
    assert r.status_code == 302, r.data.decode()[:3000]
    with app.app_context():
        call = db.session.scalar(sa.select(Call).order_by(Call.id.desc()).limit(1))
        assert (call.amount_min_minor, call.amount_max_minor) == (100_000, 2_000_050)
        assert (call.min_protection_share_bp, call.min_psychosocial_share_bp) == (1250, 725)


def test_an_amount_not_written_as_the_page_writes_is_confirmed_first(app, client, auth, world):
    auth.login(world.admin)
    client.set_cookie("lang", "es")
    base = {"name": "Fondo", "description": "", "currency": "EUR",
            "rapid_response_target_hours": "48", "is_active": "y"}
    r = client.post("/funds/new", data=base | {"envelope": "250,000.50"})  # English habit
    page = r.data.decode()
    assert r.status_code == 200 and "250.000,50" in page and 'value="250,000.50"' in page
    assert 'name="envelope-seen" value="250000.50"' in page
    r = client.post("/funds/new", data=base | {"envelope": "250,000.50",
                                               "envelope-seen": "250000.50"})
    assert r.status_code == 302
    with app.app_context():
        fund = db.session.scalar(sa.select(Fund).where(Fund.name == "Fondo"))
        assert fund.envelope_minor == 25_000_050


def _money_fields():
    for cls in _form_classes():
        for name, unbound in vars(cls).items():
            if isinstance(unbound, UnboundField) and issubclass(unbound.field_class,
                                                                 AmountField):
                yield f"{cls.__name__}.{name}", unbound


@pytest.mark.parametrize(("typed", "understood"), [
    ("1.500", "1500"), ("400,50", "400.50"), ("1.234.567,5", "1234567.5"), ("12,5 %", "12.5"),
])
def test_every_money_field_of_every_form_reads_spanish(app, typed, understood):
    from werkzeug.datastructures import MultiDict
    from wtforms.meta import DefaultMeta
    fields = list(_money_fields())
    assert fields
    with app.test_request_context("/", headers={"Cookie": "lang=es"}):
        for label, unbound in fields:
            if "%" in typed and unbound.field_class.kind != money.PERCENT:
                continue
            field = unbound.bind(form=None, name="x", _meta=DefaultMeta())
            field.process(MultiDict({"x": typed}))
            assert field.data == understood, label
            field.process(MultiDict({"x": "1,500"}))  # reads two ways: asked, not guessed
            assert isinstance(field.data, money.Unread) and len(field.readings) == 2, label


def test_an_arabic_emergency_request_reads_arabic_indic_digits(app, client, auth, world):
    from grants.models import ApplicationStatus
    from tests.forms import rapid_form
    auth.login(world.applicant)
    client.set_cookie("lang", "ar")
    r = client.post(f"/applications/rapid/{world.rapid_call.id}", data=rapid_form(
        organisation=str(world.org.id), line1_amount="١٬٢٠٠٫٥٠",
        line2_amount="US$ ٣٠٠"))
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    with app.app_context():
        a = db.session.scalars(sa.select(Application).where(
            Application.call_id == world.rapid_call.id).order_by(Application.id.desc())).first()
        assert a.status == ApplicationStatus.SUBMITTED
        assert sorted(line.amount_minor for line in a.budget_lines) == [30_000, 120_050]


def test_a_spanish_sub_grant_and_its_payment_read_as_spanish(app, client, auth, world):
    from grants.models import SubGrant
    client.set_cookie("lang", "es")
    auth.login(world.intermediary)
    award_id = world.regranting_award.id  # 3,500 left to sub-grant
    r = client.post(f"/regranting/awards/{award_id}/sub-grants/new", data={
        "recipient_code": "MOV-ES", "amount": "1.500", "country": "KE",
        "category": "programme", "theme": "", "keep_details": "none"})
    assert r.status_code == 302
    with app.app_context():
        grant = db.session.scalar(sa.select(SubGrant).where(SubGrant.recipient_code == "MOV-ES"))
        assert grant.amount_minor == 150_000
        grant_id = grant.id
        from grants.models import Award, User
        from tests import factories
        factories.paid_to_intermediary(db.session.get(Award, award_id),  # received, to pay from
                                       db.session.get(User, world.officer.id), 150_000)
        db.session.commit()
    r = client.post(f"/regranting/sub-grants/{grant_id}/payments/new", data={
        "amount": "200,50", "route": "mobile_money", "paid_on": "2026-03-01"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(SubGrant, grant_id).paid_minor == 20_050


def test_a_spanish_tranche_schedule_is_written_and_read_as_spanish(app, client, auth, world):
    from tests.awards import make_grant, schedule_data, tranche_states
    grant = make_grant(app, world)
    auth.login(world.officer)
    client.set_cookie("lang", "es")
    url = f"{grant.url}/schedule"
    assert 'value="1000,00"' in client.get(url).data.decode()  # reads back to itself
    dates = ["2026-01-15", "2027-02-01", "2028-02-01"]
    r = client.post(url, data=schedule_data(grant, ["1.500", "1000,00", "500"], dates,
                                            ["", "", ""], reason="El alquiler vence antes"))
    assert r.status_code == 302
    assert [a for a, _ in tranche_states(app, grant)] == [150_000, 100_000, 50_000]


def test_every_money_field_refuses_a_number_too_long_to_write_back(app):
    """The fuzz's 23-digit 'Largest grant': Decimal could not round it to show it again."""
    from werkzeug.datastructures import MultiDict
    from wtforms.meta import DefaultMeta
    with app.test_request_context("/", headers={"Cookie": "lang=es"}):
        for label, unbound in _money_fields():
            field = unbound.bind(form=None, name="x", _meta=DefaultMeta())
            field.process(MultiDict({"x": "1" + "0" * 22}))
            assert isinstance(field.data, money.Unread), label
            assert field.understood() == "", label  # nothing to write back, no error either


def test_an_amount_a_rule_states_reads_as_the_page_does(app, client, auth, world):
    """A refusal's amounts are written in the page's language, not in English: the
    intermediary paying beyond what it received reads Spanish amounts on a Spanish page."""
    from grants.models import SubGrant
    client.set_cookie("lang", "es")
    auth.login(world.intermediary)
    award_id = world.regranting_award.id
    assert client.post(f"/regranting/awards/{award_id}/sub-grants/new", data={
        "recipient_code": "MOV-ES2", "amount": "1.500", "country": "KE",
        "category": "programme", "theme": "", "keep_details": "none"}).status_code == 302
    with app.app_context():
        grant_id = db.session.scalar(sa.select(SubGrant.id).where(
            SubGrant.recipient_code == "MOV-ES2"))
    page = client.post(f"/regranting/sub-grants/{grant_id}/payments/new", data={
        "amount": "200,50", "route": "mobile_money", "paid_on": "2026-03-01"}
        ).get_data(as_text=True)
    nothing = format_currency(Decimal(0), "USD", locale="es")
    assert nothing.replace("\xa0", "&nbsp;") in page or nothing in page
    assert "$0.00" not in page
    assert 'value="200,50"' in page  # what was typed is kept


def test_the_kept_texts_are_what_babel_writes_now():
    # money keeps what Babel wrote (amounts as the reader writes them, the ways a number may
    # be typed, the symbols typed along): the same as writing them again, in every language.
    money._formatted.cache_clear()
    money._writings.cache_clear()
    for lang in money.LANGUAGES:
        for currency in money.CURRENCIES:
            for minor in (0, 5, 150_050, 123_456_789):
                assert money.format_money(minor, currency, lang) == format_currency(
                    money.from_minor(minor, currency), currency, locale=lang)
                assert money.format_money(minor, currency, lang) == money._formatted(
                    minor, currency, lang)  # kept
        for value in (Decimal("0"), Decimal("1500.5"), Decimal("1234567.89")):
            assert money._writings(value, lang) == money._writings.__wrapped__(value, lang)
    assert money._symbols() == money._symbols.__wrapped__()
