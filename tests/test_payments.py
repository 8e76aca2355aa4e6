"""The disbursement ledger: amounts that never exceed the tranche, the two-person rule above
DISBURSEMENT_TWO_PERSON_ABOVE, the state machine, route details kept encrypted and shown
masked, country context and the routes suggested, and the pages officers and groups see.
(Concurrent scheduling on PostgreSQL: tests/test_payments_race.py.)"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    AuditEvent,
    CountryContext,
    Disbursement,
    DisbursementStatus,
    Organisation,
    OrgKind,
    PaymentRoute,
    Role,
    Tranche,
    TrancheStatus,
    User,
)
from grants.payments import ledger, routes
from tests import factories
from tests.conftest import count_queries, run_jobs

S = DisbursementStatus
ACCOUNT = "CO12 3456 7890 1234 4821"
# What a bank needs for a transfer to a local account (Colombia has no IBAN).
BANK = {"holder": "Colectivo Tierra Viva", "bank": "Banco Popular", "bank_country": "CO",
        "bic": "BPOPCOBB", "account": ACCOUNT}
PARTNER = "Doña Marta at the parish of San José"


@pytest.fixture
def ctx(app):
    """A request context (notices link to the portal) whose session is the test's."""
    with app.test_request_context():
        yield


def _officer(world) -> User:
    return db.session.get(User, world.officer.id)


def _tranche(world) -> Tranche:
    return db.session.get(Tranche, world.released.id)


def _colleague() -> User:
    return factories.user(Role.OFFICER)


def _schedule(world, amount=20_000, route=PaymentRoute.BANK_TRANSFER, by=None, **details):
    return ledger.schedule(by or _officer(world), _tranche(world), route, amount,
                           routes.RouteDetails(**details))


def _refused(fn, *args, match: str, **kwargs) -> ServiceError:
    """Assert the call is refused; only what it did is undone (a savepoint)."""
    with pytest.raises(ServiceError, match=match) as info, db.session.begin_nested():
        fn(*args, **kwargs)
    return info.value


def _page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return html.unescape(r.data.decode())


# Amounts -----------------------------------------------------------------------------------

def test_a_payment_is_above_zero_and_never_more_than_what_is_left(app, world, ctx):
    assert ledger.left(_tranche(world)) == 90_000  # 100,000 less the scheduled 10,000
    _refused(_schedule, world, 0, match="above zero")
    _refused(_schedule, world, -5, match="above zero")
    err = _refused(_schedule, world, 90_001, match=r"Only \$900.00 is left on tranche 1")
    assert err.field == "amount"
    d = _schedule(world, 90_000)
    assert d.status == S.SCHEDULED and d.idempotency_key.startswith("disb-")
    assert len(d.idempotency_key) == 37
    assert ledger.left(_tranche(world)) == 0
    _refused(_schedule, world, 1, match="Only \\$0.00 is left")


def test_failed_returned_and_cancelled_money_goes_back_to_the_tranche(app, world, ctx):
    officer = _officer(world)
    ledger.cancel(officer, db.session.get(Disbursement, world.disbursement.id))
    assert ledger.left(_tranche(world)) == 100_000
    sent = _sent(world, 60_000)
    assert ledger.left(_tranche(world)) == 40_000
    _refused(ledger.mark_failed, officer, sent, "", match="Write what happened")
    ledger.mark_failed(officer, db.session.get(Disbursement, sent.id), "Bank rejected it")
    assert ledger.left(_tranche(world)) == 100_000
    paid = ledger.mark_paid(officer, _sent(world, 100_000))
    assert ledger.left(_tranche(world)) == 0 and _tranche(world).status == TrancheStatus.PAID
    ledger.mark_returned(officer, paid, "The account was closed")
    assert ledger.left(_tranche(world)) == 100_000
    assert _tranche(world).status == TrancheStatus.RELEASED  # may go out again
    assert paid.ended_at is not None and paid.note == "The account was closed"


def test_nothing_goes_out_of_a_tranche_not_released_or_an_award_not_active(app, world, ctx):
    officer = _officer(world)
    planned = db.session.get(Tranche, world.tranche.id)
    _refused(ledger.schedule, officer, planned, PaymentRoute.BANK_TRANSFER, 100,
             match="not released")
    d = db.session.get(Disbursement, world.disbursement.id)
    ledger.approve(officer, d)
    d.tranche.award.status = d.tranche.award.status.SUSPENDED
    _refused(ledger.send, officer, d, "REF-1", match="only on an active award")


def _sent(world, amount, reference="REF-77") -> Disbursement:
    officer = _officer(world)
    d = ledger.approve(officer, _schedule(world, amount))
    return ledger.send(officer, d, reference)


# Approvals ---------------------------------------------------------------------------------

def test_below_the_threshold_one_approval_by_any_officer_even_the_scheduler(app, world, ctx):
    d = ledger.approve(_officer(world), db.session.get(Disbursement, world.disbursement.id))
    assert d.status == S.APPROVED and d.approved_by_id == world.officer.id
    assert d.second_approver_id is None and d.approved_at is not None


def test_above_the_threshold_a_second_distinct_officer_approves(app, world, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "DISBURSEMENT_TWO_PERSON_ABOVE", {"*": "100"})
    officer, colleague, third = _officer(world), _colleague(), _colleague()
    d = _schedule(world, 20_000)
    ledger.approve(officer, d)  # the scheduler may give the first approval
    assert d.status == S.SCHEDULED and d.approved_by_id == officer.id
    _refused(ledger.approve, officer, d, match="a second officer approves")
    d = ledger.approve(colleague, db.session.get(Disbursement, d.id))
    assert d.status == S.APPROVED and d.second_approver_id == colleague.id
    # The scheduler is never the second approver, even after someone else approved first.
    e = ledger.approve(colleague, _schedule(world, 20_000))
    _refused(ledger.approve, officer, e, match="someone other than the officer who scheduled")
    _refused(ledger.approve, colleague, db.session.get(Disbursement, e.id),
             match="a second officer")
    e = ledger.approve(third, db.session.get(Disbursement, e.id))
    assert (e.status, e.approved_by_id, e.second_approver_id) == (S.APPROVED, colleague.id,
                                                                  third.id)


def test_the_threshold_is_per_currency_with_a_default(app, monkeypatch):
    monkeypatch.setitem(app.config, "DISBURSEMENT_TWO_PERSON_ABOVE", {"*": "100", "JPY": "9000"})
    with app.app_context():
        assert ledger.two_person_threshold("USD") == 10_000
        assert ledger.two_person_threshold("JPY") == 9_000


# States ------------------------------------------------------------------------------------

def test_transitions_from_the_wrong_state_are_refused(app, world, ctx):
    officer = _officer(world)
    d = db.session.get(Disbursement, world.disbursement.id)
    _refused(ledger.send, officer, d, "REF", match="is scheduled: it cannot be sent now")
    _refused(ledger.mark_paid, officer, d, match="cannot be marked paid")
    _refused(ledger.mark_returned, officer, d, "x", match="cannot be marked returned")
    sent = _sent(world, 1_000)
    _refused(ledger.cancel, officer, sent, match="is sent: it cannot be cancelled")
    _refused(ledger.approve, officer, sent, match="cannot be approved")
    paid = ledger.mark_paid(officer, sent)
    _refused(ledger.mark_failed, officer, paid, "x", match="is paid: it cannot be marked failed")


def test_sending_needs_a_reference_for_bank_and_mobile_money(app, world, ctx, outbox):
    db.session.get(User, world.applicant.id).email = "group@example.org"
    officer = _officer(world)
    d = ledger.approve(officer, db.session.get(Disbursement, world.disbursement.id))
    err = _refused(ledger.send, officer, d, "  ", match="reference of the transfer")
    assert err.field == "reference"
    assert outbox == []
    d = ledger.send(officer, db.session.get(Disbursement, d.id), "BANK-2026-0042")
    assert (d.status, d.external_reference) == (S.SENT, "BANK-2026-0042")
    assert d.sent_at is not None
    d = ledger.mark_paid(officer, d)
    assert d.status == S.PAID and d.paid_at is not None
    assert len(outbox) == 2  # sent, paid: "there is news", nothing more
    assert all("100" not in str(m) and "BANK" not in str(m) for m in outbox)
    partner = ledger.approve(officer, _schedule(world, 500, PaymentRoute.TRUSTED_PARTNER,
                                                partner=PARTNER))
    assert ledger.send(officer, partner).status == S.SENT  # no reference to give


def test_every_transition_is_audited_without_personal_data(app, world, ctx):
    officer = _officer(world)
    d = _schedule(world, 1_000, **BANK)
    ledger.approve(officer, d)
    ledger.send(officer, d, "REF-1")
    ledger.mark_returned(officer, d, "The account holder had to flee")
    events = list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "disbursements", AuditEvent.object_id == d.id)
        .order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["disbursement.scheduled", "disbursement.approved",
                                          "disbursement.sent", "disbursement.returned"]
    assert all(e.actor_id == officer.id and e.details["amount_minor"] == 1_000 for e in events)
    text = str([e.details for e in events])
    assert "4821" not in text and "flee" not in text and "CO12" not in text


# Routes ------------------------------------------------------------------------------------

def test_routes_refuse_missing_details(app, world, ctx):
    plain = factories.organisation(kind=OrgKind.REGISTERED_NGO)
    cases = [
        (PaymentRoute.MOBILE_MONEY, {}, "provider", "mobile-money provider"),
        (PaymentRoute.TRUSTED_PARTNER, {"partner": "  "}, "partner", "trusted partner"),
        (PaymentRoute.INTERMEDIARY, {}, "via_organisation", "Choose the intermediary"),
        (PaymentRoute.INTERMEDIARY, {"via_organisation_id": plain.id}, "via_organisation",
         "Choose the intermediary"),
        (PaymentRoute.STRIPE_TRANSFER, {}, "route", "no Stripe account"),
    ]
    for route, details, field, message in cases:
        err = _refused(_schedule, world, 1_000, route, **details, match=message)
        assert err.field == field, route
    via = _schedule(world, 1_000, PaymentRoute.INTERMEDIARY,
                    via_organisation_id=world.intermediary_org.id)
    assert via.via_organisation_id == world.intermediary_org.id
    mobile = _schedule(world, 1_000, PaymentRoute.MOBILE_MONEY, provider="M-Pesa",
                       account="+254 700 123 987")
    assert routes.shown_details(mobile) == {"provider": "M-Pesa", "masked": "•••• 3987"}


def test_bank_details_are_encrypted_and_only_shown_masked(app, client, auth, world):
    with app.test_request_context():
        d = _schedule(world, 1_000, **BANK)
        db.session.commit()
        raw = db.session.execute(sa.text(
            "SELECT bank_details, route_details FROM disbursements WHERE id = :id"),
            {"id": d.id}).one()
        d_id = d.id
    assert "4821" not in str(raw) and "CO12" not in str(raw)
    auth.login(world.officer)
    page = _page(client, f"/payments/{d_id}")
    assert "•••• 4821" in page and ACCOUNT not in page and "3456" not in page
    # Ids in links may hold the same digits once enough rows were made (PostgreSQL's
    # sequences outlive the rolled-back tests): only what the page says counts.
    assert "4821" not in re.sub(r'href="[^"]*"', "", _page(client, "/payments/"))


def test_there_is_no_government_route_and_restricted_countries_get_indirect_routes_first(
        app, world, ctx):
    """Routes never go through a state channel: no such route exists, so none is ever
    offered, let alone as the only one; where foreign funding is restricted, an
    intermediary and a trusted partner are suggested first."""
    assert not [r for r in PaymentRoute if "gov" in r.value or "state" in r.value]
    payee = db.session.get(Organisation, world.org.id)
    assert routes.suggested(payee, None)[:2] == [PaymentRoute.BANK_TRANSFER,
                                                 PaymentRoute.MOBILE_MONEY]
    restricted = CountryContext(country="CO", foreign_funding_restricted=True, summary="Law")
    offered = routes.suggested(payee, restricted)
    assert offered[:2] == [PaymentRoute.INTERMEDIARY, PaymentRoute.TRUSTED_PARTNER]
    assert PaymentRoute.STRIPE_TRANSFER not in offered  # the group has no connected account
    local = factories.organisation(kind=OrgKind.INTERMEDIARY, country="PE", name="Zz Local",
                                   serves_countries=["CO", "PE"])
    assert routes.intermediaries("CO")[0].id == local.id
    assert routes.intermediaries("KE")[0].id == world.intermediary_org.id


# Pages -------------------------------------------------------------------------------------

def test_the_scheduling_page_warns_about_a_restricted_country(app, client, auth, world):
    with app.app_context():
        db.session.add(CountryContext(country="CO", foreign_funding_restricted=True,
                                      summary="Registration law 1234 caps foreign funds."))
        db.session.commit()
    auth.login(world.officer)
    page = _page(client, f"/payments/tranches/{world.released.id}/schedule")
    assert "Colombia restricts foreign funding" in page
    assert "Registration law 1234" in page
    assert page.index('value="intermediary"') < page.index('value="bank_transfer"')
    assert page.index('value="trusted_partner"') < page.index('value="mobile_money"')
    assert "Suggested" in page and "government" in page  # "There is no government channel"


def test_bad_input_is_shown_again_with_what_was_typed(app, client, auth, world):
    auth.login(world.officer)
    url = f"/payments/tranches/{world.released.id}/schedule"
    form = {"route": "trusted_partner", "amount": "12,5x", "partner": PARTNER,
            "handed_over": "Food parcels"}
    page = html.unescape(client.post(url, data=form).data.decode())
    assert "Enter an amount in numbers" in page
    assert PARTNER in page and "Food parcels" in page and "12,5x" in page
    page = html.unescape(client.post(url, data=form | {"amount": "901"}).data.decode())
    assert "Only $900.00 is left on tranche 1" in page and PARTNER in page
    page = html.unescape(client.post(url, data=form | {"amount": "50", "partner": ""}
                                     ).data.decode())
    assert "Enter the trusted partner" in page
    r = client.post(url, data=form | {"amount": "900"})
    assert r.status_code == 302
    assert "Scheduled, waiting for approval" in _page(client, r.headers["Location"])


def test_an_officer_walks_a_payment_through_the_pages(app, client, auth, world):
    auth.login(world.officer)
    url = f"/payments/{world.disbursement.id}"
    assert "Needs an approval" in _page(client, url)
    assert client.post(f"{url}/approve").status_code == 302
    page = html.unescape(client.post(f"{url}/send", data={"reference": ""}).data.decode())
    assert "Enter the reference of the transfer" in page
    assert client.post(f"{url}/send", data={"reference": "BK-1"}).status_code == 302
    page = html.unescape(client.post(f"{url}/cancel", data={}).data.decode())
    assert "is sent: it cannot be cancelled now" in page
    assert client.post(f"{url}/paid").status_code == 302
    page = _page(client, url)
    assert "Paid" in page and "BK-1" in page
    assert page.count(world.officer.username) >= 3  # approved, sent, paid: who did each


def test_a_stripe_refusal_keeps_the_payment_approved_with_the_error(
        app, client, auth, world, monkeypatch):
    """The gateway is replaced: no call to Stripe here (tests/test_stripe_sending.py sends
    through the fake Stripe). The send is a job: the page shows Stripe's answer once the
    worker has run it."""
    from grants.payments import gateway

    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_x")
    with app.test_request_context():
        org = db.session.get(Organisation, world.org.id)
        org.stripe_account_id, org.stripe_payouts_enabled = "acct_test_1", True
        d = ledger.approve(_officer(world), _schedule(world, 3_000,
                                                      PaymentRoute.STRIPE_TRANSFER))
        db.session.commit()
        d_id = d.id

    def refuse(_d):
        raise gateway.PaymentFailed("Stripe refused (balance_insufficient): not enough funds")

    monkeypatch.setattr(gateway, "transfer", refuse)
    auth.login(world.officer)
    r = client.post(f"/payments/{d_id}/send", follow_redirects=True)
    assert "on its way to Stripe" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Disbursement, d_id).status == S.SENDING
        run_jobs()
        d = db.session.get(Disbursement, d_id)
        assert d.status == S.APPROVED and "balance_insufficient" in d.last_error
    assert "balance_insufficient" in _page(client, f"/payments/{d_id}")
    monkeypatch.setattr(gateway, "transfer", lambda d: "tr_123")
    assert client.post(f"/payments/{d_id}/send").status_code == 302
    with app.app_context():
        run_jobs()
        d = db.session.get(Disbursement, d_id)
        assert (d.status, d.external_reference, d.last_error) == (S.SENT, "tr_123", None)


def test_the_ledger_shows_what_waits_for_whom_and_filters(app, client, auth, world,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "DISBURSEMENT_TWO_PERSON_ABOVE", {"*": "100"})
    with app.test_request_context():
        colleague = _colleague()
        colleague_id = colleague.id
        big = _schedule(world, 20_000)
        ledger.approve(_officer(world), big)
        ledger.cancel(_officer(world), _schedule(world, 500))
        db.session.commit()
    auth.login(world.officer)
    page = _page(client, "/payments/")
    assert "Waits for a second officer" in page and "Needs your second approval" not in page
    assert "3 payments" in page
    assert "1 payment<" in _page(client, "/payments/?state=cancelled")
    assert "No payments to show" in _page(client, "/payments/?route=mobile_money")
    assert "3 payments" in _page(client, f"/payments/?fund={world.fund.id}")
    auth.login(_user(app, colleague_id))
    assert "Needs your second approval" in _page(client, "/payments/")


def _user(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_the_ledger_reads_a_fixed_number_of_times_and_pages(app, client, auth, world):
    auth.login(world.officer)
    with count_queries(app) as few:
        _page(client, "/payments/")
    with app.app_context():
        for _ in range(29):
            factories.disbursement(_tranche(world), _officer(world), amount_minor=100)
        db.session.commit()
    with count_queries(app) as many:
        page = _page(client, "/payments/")
    assert len(many) == len(few)
    assert "Page 1 of 2" in page and "30 payments" in page
    assert "Page 2 of 2" in _page(client, "/payments/?page=2")


def test_every_transition_locks_the_tranche_on_postgresql(app, client, auth, world):
    auth.login(world.officer)
    with count_queries(app) as statements:
        client.post(f"/payments/tranches/{world.released.id}/schedule",
                    data={"route": "bank_transfer", "amount": "5", **BANK})
        client.post(f"/payments/{world.disbursement.id}/approve")
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
    locks = [s for s in statements if s.startswith("SELECT tranches.") and "FOR UPDATE" in s]
    assert len(locks) == (2 if dialect == "postgresql" else 0)  # SQLite: a single writer


def test_the_group_sees_its_payments_state_and_dates_but_no_details(app, client, auth, world):
    with app.test_request_context():
        d = _schedule(world, 1_000, **BANK)
        ledger.approve(_officer(world), d)
        ledger.send(_officer(world), d, "SECRET-REF-9")
        ledger.mark_returned(_officer(world), d, "Internal: holder detained")
        db.session.commit()
    auth.login(world.applicant)
    page = _page(client, f"/awards/{world.award.id}")
    assert "Payments" in page and "Came back" in page and "Being prepared" in page
    for hidden in ("4821", "SECRET-REF-9", "detained", "/payments/", "Schedule a payment"):
        assert hidden not in page, hidden
    auth.login(world.officer)
    page = _page(client, f"/awards/{world.award.id}")
    assert f"/payments/tranches/{world.released.id}/schedule" in page
    assert "$100.00 scheduled or paid" in page  # the 10,000 scheduled; the returned one not


def test_admins_keep_the_country_context(app, client, auth, world):
    auth.login(world.admin)
    assert client.get("/payments/countries/XX").status_code == 404
    assert client.get("/payments/countries?country=KE").headers["Location"].endswith(
        "/payments/countries/KE")
    page = html.unescape(client.post("/payments/countries/KE", data={
        "restricted": "y", "summary": ""}).data.decode())
    assert "Say what the restriction is" in page
    r = client.post("/payments/countries/KE", data={"restricted": "y",
                                                    "summary": "NGO Act: 15% cap."})
    assert r.status_code == 302
    auth.login(world.officer)
    page = _page(client, "/payments/countries")
    assert "Kenya" in page and "NGO Act: 15% cap." in page
    assert "/payments/countries/KE" not in page  # officers read, admins change
    with app.app_context():
        context = db.session.get(CountryContext, "KE")
        assert context.foreign_funding_restricted and context.updated_by_id == world.admin.id
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "country_context.saved")).one()
        assert event.details == {"country": "KE", "restricted_before": None,
                                 "restricted": True}


def test_the_second_approval_through_the_pages(app, client, auth, world, monkeypatch):
    monkeypatch.setitem(app.config, "DISBURSEMENT_TWO_PERSON_ABOVE", {"*": "50"})
    with app.app_context():
        colleague_id = _colleague().id
        db.session.commit()
    auth.login(world.officer)
    url = f"/payments/{world.disbursement.id}"
    assert client.post(f"{url}/approve").status_code == 302
    page = _page(client, url)
    assert "Waits for a second officer" in page and f"{url}/approve" not in page
    page = html.unescape(client.post(f"{url}/approve").data.decode())
    assert "someone other than the officer who scheduled it" in page
    colleague = _user(app, colleague_id)
    auth.login(colleague)
    page = _page(client, url)
    assert "Needs your second approval" in page and "Give the second approval" in page
    assert client.post(f"{url}/approve").status_code == 302
    page = _page(client, url)
    assert "Approved, to send" in page
    assert f"approved by <bdi>{world.officer.username}</bdi>" in page
    assert f"second approval by <bdi>{colleague.username}</bdi>" in page


def test_an_officer_with_a_conflict_neither_sees_nor_schedules_the_payments(app, client, auth,
                                                                           world):
    from grants.models import Award

    with app.app_context():
        award = db.session.get(Award, world.award.id)
        factories.assign(award.application, _officer(world), conflict=True)
        db.session.commit()
    auth.login(world.officer)
    assert client.get(f"/payments/{world.disbursement.id}").status_code == 404
    assert client.post(f"/payments/{world.disbursement.id}/approve").status_code == 404
    assert client.get(f"/payments/tranches/{world.released.id}/schedule").status_code == 404
    assert "No payments to show" in _page(client, "/payments/")


def test_every_route_has_one_registry_entry_and_its_template(app):
    """A route added to PaymentRoute without its entry, or with fields but no template of
    them, fails here."""
    import grants

    assert list(routes.ROUTES) and set(routes.ROUTES) == set(PaymentRoute)
    for route, entry in routes.ROUTES.items():
        assert entry.kind == route
        if entry.field_names:
            assert (grants.ROOT / "templates" / entry.fragment).is_file(), route
