"""Rapid response: a one-page request filed by a defender or a partner for them,
the decision clock, one officer's approval making an award with its money ready to send,
the two-person rule above the rapid limit, the follow-up and the invitation afterwards."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from grants.applications import queries
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardStatus,
    Call,
    Disbursement,
    DisbursementStatus,
    Organisation,
    OrgKind,
    RapidCategory,
    ReportKind,
    Role,
    TrancheStatus,
    User,
)
from grants.payments import ledger
from grants.rapid import clock, decision
from grants.rapid import request as filing
from grants.review import decisions
from tests import factories
from tests.forms import RAPID_SECRET as SECRET
from tests.forms import rapid_form

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a frozen "now"


@contextmanager
def database(app):
    with app.app_context():
        yield db.session
        db.session.commit()


def _request(org: Organisation, **fields) -> filing.Request:
    values = {"organisation": org, "category": "in_country", "what_happened": SECRET,
              "needs_now": "Locks", "currency": "USD",
              "lines": [filing.Line("protection_security", "Locks", "1500")],
              "safe_contact": "Signal", "written_in": "Kiswahili"}
    values.update(fields)
    return filing.Request(**values)


def _call(world) -> Call:
    return db.session.get(Call, world.rapid_call.id)


def _codes(page: str) -> list[str]:
    return re.findall(r'/review/applications/\d+(?:/rapid)?"><bdi class="ref">([\w-]+)</bdi></a>',
                      page)


def test_partner_files_for_a_defender_it_tops_the_queue_and_one_officer_approves(
        app, client, auth, world, monkeypatch):
    # Filed 70 hours ago on the 72-hour clock: 2 hours left, ahead of world.rapid_request.
    monkeypatch.setattr(filing, "utcnow", lambda: datetime.now(UTC) - timedelta(hours=70))
    auth.login(world.intermediary)
    url = f"/applications/rapid/{world.rapid_call.id}"
    assert "We are a partner organisation" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=rapid_form(
        organisation=str(world.intermediary_org.id), on_behalf="y",
        defender_alias="Maria (D-7)", gender_risk="Threats because she is a woman lawyer"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        a = db.session.scalars(sa.select(Application).where(
            Application.call_id == world.rapid_call.id).order_by(Application.id.desc())).first()
        assert a.on_behalf and a.defender_alias == "Maria (D-7)"
        assert a.organisation_id == world.intermediary_org.id
        assert a.status == ApplicationStatus.SUBMITTED and a.amount_requested_minor == 150_000
        assert a.rapid_due_at - a.submitted_at == timedelta(hours=72)
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "application.rapid_filed")).all()
        assert events and SECRET not in str([e.details for e in events])
        code, app_id = a.code_name, a.id
    assert response.headers["Location"].endswith(f"/applications/{app_id}")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "We answer by" in page and "Maria (D-7)" in page and "Decide on" not in page
    assert "<h1><bdi>Rapid response</bdi> <code>" in page
    client.set_cookie("lang", "es")  # the stored default title is said in the reader's language
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    # (the call itself is titled by its officer)
    assert "<h1><bdi>Respuesta rápida</bdi> <code>" in page
    client.delete_cookie("lang")

    auth.login(world.officer)
    page = client.get("/review/").get_data(as_text=True)
    assert _codes(page)[0] == code
    assert "1 h left" in page
    page = client.get(f"/review/applications/{app_id}/rapid").get_data(as_text=True)
    assert SECRET not in page and "Sensitive details are hidden" in page  # high risk
    response = client.post(f"/applications/{app_id}/reveal",
                           data={"reason": "decide", "back": "rapid"})
    assert response.headers["Location"].endswith(f"/review/applications/{app_id}/rapid")
    page = client.get(f"/review/applications/{app_id}/rapid").get_data(as_text=True)
    assert SECRET in page and "Maria (D-7)" in page and "for a defender" in page
    response = client.post(f"/review/applications/{app_id}/rapid", data={
        "decision": "approve", "amount": "1500", "currency": "USD", "route": "bank_transfer",
        "confirmed": "1", "far_ok": "y"})
    assert response.status_code == 302
    with app.app_context():
        a = db.session.get(Application, app_id)
        award = db.session.scalar(sa.select(Award).where(Award.application_id == app_id))
        assert a.status == ApplicationStatus.APPROVED and a.decided_at <= a.rapid_due_at
        assert award.status == AwardStatus.ACTIVE and award.decided_by_id == world.officer.id
        assert [t.status for t in award.tranches] == [TrancheStatus.RELEASED]
        d = db.session.scalar(sa.select(Disbursement).where(
            Disbursement.tranche_id == award.tranches[0].id))
        assert d.status == DisbursementStatus.SCHEDULED and d.amount_minor == 150_000
        [follow_up] = award.report_requirements
        assert follow_up.kind == ReportKind.CONVERSATION
        assert follow_up.title == "Follow-up check-in" and len(follow_up.questions) == 3
        assert follow_up.due_date == a.decided_at.date() + timedelta(days=90)
        assert clock.time_to_decision(a) == a.decided_at - a.submitted_at
        award_id, requirement_id = award.id, follow_up.id
    page = client.get(f"/review/applications/{app_id}/rapid").get_data(as_text=True)
    assert "Follow-up check-in due" in page and "Record the check-in" in page

    # After the crisis: the check-in from a call, then an invitation to a longer-term call.
    response = client.post(f"/awards/{award_id}/requirements/{requirement_id}/conversation",
                           data={"notes": "She is safe; it was enough; she wants core support."})
    assert response.status_code == 302
    response = client.post(f"/review/applications/{app_id}/invite",
                           data={"call": str(world.call.id), "message": "Apply with us"})
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalar(sa.select(Application).where(
            Application.follows_application_id == app_id))
        assert draft.call_id == world.call.id and draft.status == ApplicationStatus.DRAFT
        assert draft.organisation_id == world.intermediary_org.id
        assert db.session.get(Application, app_id).invited_to_call_id == world.call.id


def test_time_to_payment_from_decision_to_money_sent_and_paid(app, world):
    with database(app):
        owner = factories.user()
        org = factories.organisation(owner, country="CO")
        a = filing.file_request(owner, _call(world), _request(org), now=T0)
        officer = db.session.get(User, world.officer.id)
        decision.approve_rapid(officer, a, amount_minor=150_000, currency="USD",
                            now=T0 + timedelta(hours=20))
        d = clock.first_payment(a)
        assert clock.time_to_payment(a) == (None, None)
        ledger.approve(officer, d, now=T0 + timedelta(hours=21))
        ledger.send(officer, d, reference="TX-1", now=T0 + timedelta(days=2))
        ledger.mark_paid(officer, d, now=T0 + timedelta(days=3))
        assert clock.time_to_decision(a) == timedelta(hours=20)
        assert clock.time_to_payment(a) == (timedelta(hours=28), timedelta(hours=52))


def test_relocation_without_justification_is_refused_and_nothing_typed_is_lost(
        app, client, auth, world):
    auth.login(world.applicant)
    url = f"/applications/rapid/{world.rapid_call.id}"
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Application.id)))
    response = client.post(url, data=rapid_form(organisation=str(world.org.id),
                                                category="relocation",
                                                line1_category="relocation"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Say why protection where they are is not enough." in page
    assert SECRET in page and "Signal after 6 pm" in page and 'value="1,200"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == before
    response = client.post(url, data=rapid_form(
        organisation=str(world.org.id), category="relocation",
        relocation_justification="The police who threaten her run the town."))
    assert response.status_code == 302
    with app.app_context():
        a = db.session.scalars(sa.select(Application).order_by(Application.id.desc())).first()
        assert a.rapid_category == RapidCategory.RELOCATION and not a.on_behalf
        assert a.relocation_justification.startswith("The police")


def test_the_pages_keep_their_addresses_on_their_own_blueprint(app):
    with app.test_request_context():
        assert url_for("rapid.new_request", call_id=7) == "/applications/rapid/7"
        assert url_for("rapid.decide", application_id=7) == "/review/applications/7/rapid"
        assert url_for("rapid.invite", application_id=7) == "/review/applications/7/invite"


def test_open_rapid_calls_for_the_menu(app, world):
    with app.app_context():
        assert [c.id for c in filing.open_calls()] == [world.rapid_call.id]
        assert queries.menu_call_id() == world.rapid_call.id


def test_the_menu_link_follows_the_emergency_call_at_once(app, client, auth, world):
    # The menu's HTML is reused between requests: closing the call must still show at once,
    # to visitors and applicants, and an officer's menu never reaches an applicant.
    link = f'href="/applications/rapid/{world.rapid_call.id}"'
    auth.login(world.officer)
    assert link not in client.get("/").data.decode()
    auth.logout()
    auth.login(world.applicant)
    page = client.get("/").data.decode()
    assert link in page and 'href="/review/"' not in page
    try:
        with database(app):
            _call(world).closes_at = datetime.now(UTC) - timedelta(minutes=1)
        assert link not in client.get("/").data.decode()
        auth.logout()
        assert link not in client.get("/").data.decode()
    finally:
        with database(app):
            _call(world).closes_at = world.rapid_call.closes_at
    assert link in client.get("/").data.decode()


def test_only_a_partner_organisation_files_for_someone_else(app, world):
    with database(app):
        applicant = db.session.get(User, world.applicant.id)
        org = db.session.get(Organisation, world.org.id)  # an unregistered group
        with pytest.raises(ServiceError, match="Only a partner organisation"):
            filing.file_request(applicant, _call(world),
                                _request(org, on_behalf=True, defender_alias="X"), now=T0)
        ngo = factories.organisation(applicant, kind=OrgKind.REGISTERED_NGO, legal_name="NGO")
        with pytest.raises(ServiceError, match="name or code"):
            filing.file_request(applicant, _call(world), _request(ngo, on_behalf=True),
                                now=T0)
        a = filing.file_request(applicant, _call(world),
                                _request(ngo, on_behalf=True, defender_alias="D-2"), now=T0)
        assert a.on_behalf and a.organisation_id == ngo.id


def test_above_the_rapid_limit_two_officers_approve(app, world):
    app.config["RAPID_SINGLE_OFFICER_ABOVE"] = {"*": "1000"}
    try:
        with database(app):
            officer = db.session.get(User, world.officer.id)
            colleague = factories.user(Role.OFFICER)
            a = db.session.get(Application, world.rapid_request.id)
            award = decision.approve_rapid(officer, a, amount_minor=150_000, currency="USD",
                                        now=T0)
            assert award.status == AwardStatus.PENDING_APPROVAL
            assert a.status == ApplicationStatus.UNDER_REVIEW and a.decided_at is None
            assert award.tranches[0].status == TrancheStatus.PLANNED
            with pytest.raises(ServiceError, match="second officer"):
                decisions.confirm_approval(officer, award, now=T0)
            decisions.confirm_approval(colleague, award, now=T0 + timedelta(hours=5))
            assert award.status == AwardStatus.ACTIVE and award.second_approver_id == colleague.id
            assert a.status == ApplicationStatus.APPROVED
            assert clock.first_payment(a).status == DisbursementStatus.SCHEDULED
            assert clock.time_to_decision(a) is not None
    finally:
        app.config["RAPID_SINGLE_OFFICER_ABOVE"] = {"*": "8000"}


def test_the_page_of_an_approval_waiting_for_its_second_officer_shows_its_terms(
        app, client, auth, world):
    app.config["RAPID_SINGLE_OFFICER_ABOVE"] = {"*": "1000"}
    try:
        with database(app):
            colleague = factories.user(Role.OFFICER)
            a = db.session.get(Application, world.rapid_request.id)
            decision.approve_rapid(colleague, a, amount_minor=150_000, currency="USD", now=T0)
        auth.login(world.officer)
        page = client.get(f"/review/applications/{world.rapid_request.id}/rapid")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "waiting for a second officer" in text
        assert "Kind of support" in text and "Confirm the approval as second officer" in text
    finally:
        app.config["RAPID_SINGLE_OFFICER_ABOVE"] = {"*": "8000"}


def test_up_to_the_limit_one_officer_is_enough(app, world):
    with database(app):
        officer = db.session.get(User, world.officer.id)
        a = db.session.get(Application, world.rapid_request.id)
        award = decision.approve_rapid(officer, a, amount_minor=800_000, currency="USD", now=T0)
        assert award.status == AwardStatus.ACTIVE and a.status == ApplicationStatus.APPROVED


def test_the_clock_runs_from_sending_to_the_funds_target(app, world):
    with database(app):
        fund = factories.fund(rapid_response_target_hours=48)
        call = factories.call(fund, call_type=world.rapid_call.call_type, closes_at=None,
                              questions=0)
        applicant = db.session.get(User, world.applicant.id)
        a = filing.file_request(applicant, call, _request(db.session.get(
            Organisation, world.org.id)), now=T0)
        assert a.submitted_at == T0 and a.rapid_due_at == T0 + timedelta(hours=48)
        fresh = clock.clock(a, now=T0)
        assert fresh.hours_left == 48 and not fresh.past_target
        half = clock.clock(a, now=T0 + timedelta(hours=24, minutes=30))
        assert half.hours_left == 23 and not half.past_target
        late = clock.clock(a, now=T0 + timedelta(hours=50))
        assert late.past_target and late.hours_left == -2
        fund.rapid_response_target_hours = 24  # a later change does not move a sent request
        assert clock.clock(a, now=T0 + timedelta(hours=30)).hours_left == 18
        a.decided_at = T0 + timedelta(hours=40)
        assert clock.clock(a, now=T0 + timedelta(hours=50)) is None  # decided: stopped


def test_the_queue_marks_requests_past_target(app, client, auth, world):
    with database(app):
        a = db.session.get(Application, world.rapid_request.id)
        a.rapid_due_at = datetime.now(UTC) - timedelta(hours=3, minutes=10)
    auth.login(world.officer)
    page = client.get("/review/").get_data(as_text=True)
    assert "Past target by 4 h" in page
    assert _codes(page)[0] == world.rapid_request.code_name


def test_the_demo_holds_requests_at_every_point_of_their_clock(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        requests = list(db.session.scalars(sa.select(Application).where(
            Application.rapid_category.is_not(None))))
        clocks = [clock.clock(a) for a in requests]
        left = sorted(c.hours_left for c in clocks if c)
        assert len(left) == 3 and left[0] < 0 and 0 < left[1] < 72 / 2 + 1 and left[2] > 60
        [paid] = [a for a in requests if a.decided_at]
        assert clock.time_to_payment(paid)[1] == timedelta(days=3)
        award = db.session.scalar(sa.select(Award).where(Award.application_id == paid.id))
        assert award.report_requirements[0].title == "Follow-up check-in"
        assert sum(a.on_behalf for a in requests) == 2


def test_an_officer_declines_on_the_same_page_and_the_clock_stops(app, client, auth, world):
    auth.login(world.officer)
    url = f"/review/applications/{world.rapid_request.id}/rapid"
    decide = client.get(f"/review/applications/{world.rapid_request.id}/decide")
    assert decide.headers["Location"].endswith(url)  # the long decision page sends here
    response = client.post(url, data={"decision": "decline", "message": ""})
    assert response.status_code == 200 and "Write a message" in response.get_data(as_text=True)
    response = client.post(url, data={"decision": "decline",
                                      "message": "We cannot fund relocation abroad."})
    assert response.status_code == 302
    with app.app_context():
        a = db.session.get(Application, world.rapid_request.id)
        assert a.status == ApplicationStatus.DECLINED and clock.clock(a) is None
