"""The home of a group, a defender or an intermediary: its work in progress, newest first,
an officer's open question first; and that question first on the application's page."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    CallType,
    Organisation,
    RiskLevel,
    Role,
    User,
)
from grants.models.types import utcnow
from grants.review import decisions
from tests import factories
from tests.conftest import count_queries

QUESTION = "How many people will the shelter take in?"


def _group(app, with_work: bool = True) -> dict:
    """A member of a group with one of each kind of work; names of what the page shows."""
    with app.app_context():
        member, officer = factories.user(), factories.user(Role.OFFICER)
        org = factories.organisation(member)
        fund = factories.fund()
        call = factories.call(fund, title="Protection 2027")
        names = {"member": member.id, "org": org.id}
        if not with_work:
            db.session.commit()
            return names
        draft = factories.application(call, org, by=member)
        sent = factories.application(call, org, by=member, status=ApplicationStatus.SUBMITTED)
        asked = factories.application(call, org, by=member, status=ApplicationStatus.SUBMITTED)
        decisions.request_more_info(officer, asked, QUESTION)
        declined = factories.application(call, org, by=member,
                                         status=ApplicationStatus.DECLINED,
                                         decided_at=utcnow())
        core = factories.call(fund, call_type=CallType.CORE_SUPPORT, max_years=3, title="Core")
        approved = factories.application(core, org, by=member,
                                         status=ApplicationStatus.UNDER_REVIEW)
        award = factories.award(approved, officer, amount_minor=300_000)
        approved.decided_at = utcnow()
        requirement = award.report_requirements[0]
        requirement.due_date = date.today() - timedelta(days=3)  # overdue
        tranche = factories.release(award.tranches[0], officer)
        factories.disbursement(tranche, officer, amount_minor=12_345)
        db.session.commit()
        names.update(draft=draft.code_name, sent=sent.code_name, asked=asked.code_name,
                     asked_id=asked.id, declined=declined.code_name,
                     approved=approved.code_name, award=award.reference,
                     requirement=requirement.title, award_id=award.id)
        return names


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.data.decode()


def _login(auth, app, user_id: int) -> None:
    auth.login(SimpleNamespace(id=user_id))  # Auth.login reads the user afresh by its id


def test_each_kind_of_work_is_on_the_home_of_a_member(app, client, auth):
    group = _group(app)
    _login(auth, app, group["member"])
    page = _home(client)
    for code in ("draft", "sent", "asked", "declined", "approved", "award"):
        assert group[code] in page, code
    assert "Continue the draft" in page
    assert QUESTION in page and "Please answer by" in page
    assert "Good news: this application was approved." in page
    assert "not funded this time" in page
    assert "Report due by" in page and "Overdue" in page
    assert f"/awards/{group['award_id']}/requirements/" in page  # a link to send it
    assert "A payment of $123.45. <strong>Being prepared.</strong> Bank transfer." in page


def test_another_groups_member_sees_none_of_it(app, client, auth):
    group = _group(app)
    stranger = _group(app, with_work=False)
    _login(auth, app, stranger["member"])
    page = _home(client)
    for code in ("draft", "sent", "asked", "declined", "approved", "award"):
        assert group[code] not in page, code
    assert QUESTION not in page and "$123.45" not in page
    assert "Nothing in progress yet" in page and 'href="/calls/"' in page


def test_the_question_comes_first_then_the_newest(app, client, auth):
    group = _group(app)
    with app.app_context():
        old = db.session.scalars(db.select(Application).where(
            Application.code_name == group["draft"])).one()
        old.updated_at = utcnow() - timedelta(days=40)
        db.session.commit()
    _login(auth, app, group["member"])
    page = _home(client)
    work = page[page.index('id="work"'):]
    positions = {code: work.index(group[code]) for code in ("asked", "sent", "draft")}
    assert positions["asked"] < work.index("Report due by")  # the question before all
    assert positions["sent"] < positions["draft"]  # sent today, the draft 40 days ago
    assert work.index("Report due by") < positions["sent"]  # overdue: needs them too


def test_the_open_question_comes_first_on_the_application_page(app, client, auth):
    group = _group(app)
    _login(auth, app, group["member"])
    page = client.get(f"/applications/{group['asked_id']}").data.decode()
    question = page.index('id="question"')
    assert question < page.index(">Status<") < page.index('id="history"')
    assert page.index(QUESTION) < page.index(">Status<")
    due = (utcnow() + timedelta(days=14)).strftime("%Y-%m-%d")
    assert f"Please answer by {due}." in page
    assert "Change your application and send it again" in page


def test_an_overdue_question_says_so(app, client, auth):
    group = _group(app)
    with app.app_context():
        from grants.models import Message

        for message in db.session.scalars(db.select(Message).where(
                Message.application_id == group["asked_id"])):
            message.created_at = utcnow() - timedelta(days=20)
        db.session.commit()
    _login(auth, app, group["member"])
    assert "That date has passed" in _home(client)
    assert "That date has passed" in client.get(f"/applications/{group['asked_id']}").data.decode()


def test_a_high_risk_question_is_read_on_its_page_not_on_the_home(app, client, auth):
    group = _group(app)
    with app.app_context():
        asked = db.session.get(Application, group["asked_id"])
        asked.risk_level = RiskLevel.HIGH
        db.session.commit()
    _login(auth, app, group["member"])
    page = _home(client)
    assert group["asked"] in page and QUESTION not in page
    assert "Open the application to read it." in page
    assert QUESTION in client.get(f"/applications/{group['asked_id']}").data.decode()


def test_an_intermediary_sees_the_requests_it_filed_not_the_ones_sent_to_it(app, client,
                                                                            auth, world):
    auth.login(world.intermediary)
    page = _home(client)
    assert world.rapid_request.code_name in page  # filed for a defender, on its clock
    assert world.routed.code_name not in page  # the applicant's, waiting for endorsement
    assert world.own_call_application.code_name not in page
    assert world.regranting_award.reference in page
    assert f"/regranting/awards/{world.regranting_award.id}" in page


def test_an_emergency_question_is_due_by_the_decision_target(app, client, auth, world):
    from grants.rapid import decision

    with app.app_context():
        request = db.session.get(Application, world.rapid_request.id)
        request.rapid_due_at = utcnow() + timedelta(hours=30)
        decision.ask(db.session.get(User, world.officer.id), request, "Where are you now?")
        db.session.commit()
        due = request.rapid_due_at.strftime("%Y-%m-%d %H:%M UTC")
    auth.login(world.intermediary)
    page = _home(client)
    assert "Where are you now?" in page and f"Please answer by {due}." in page
    page = client.get(f"/applications/{world.rapid_request.id}").data.decode()
    assert page.index('id="question"') < page.index(">Status<")
    assert 'href="#message-body"' in page


def _selects(app, client) -> list[str]:
    with count_queries(app) as statements:
        page = _home(client)
    assert 'id="work"' in page
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def _more_work(app, group: dict, rounds: int) -> None:
    """Per round and per group of the member: a sent application, one asked a question,
    an emergency award with its report and a payment on its way."""
    with app.app_context():
        officer = factories.user(Role.OFFICER)
        member = db.session.get(User, group["member"])
        orgs = [db.session.get(Organisation, group["org"]), factories.organisation(member)]
        for i in range(rounds):
            call = factories.call(factories.fund(), call_type=CallType.CORE_SUPPORT,
                                  max_years=3)
            for org in orgs:
                factories.application(call, org, status=ApplicationStatus.SUBMITTED)
                asked = factories.application(call, org, status=ApplicationStatus.SUBMITTED)
                decisions.request_more_info(officer, asked, f"Question {i}?")
                won = factories.application(call, org, status=ApplicationStatus.UNDER_REVIEW)
                award = factories.award(won, officer, amount_minor=100_000)
                factories.disbursement(factories.release(award.tranches[0], officer), officer)
        db.session.commit()


def test_the_home_runs_the_same_queries_however_much_work_there_is(app, client, auth):
    group = _group(app)
    _login(auth, app, group["member"])
    _home(client)  # warm: the menu's cache
    before = _selects(app, client)
    _more_work(app, group, rounds=3)
    _home(client)
    after = _selects(app, client)
    assert _home(client).count("Question 2?") == 2  # the new work is listed
    assert len(after) == len(before), after


def test_the_menu_says_a_question_waits_on_every_page_of_the_group_only(app, client, auth):
    group = _group(app)
    stranger = _group(app, with_work=False)
    _login(auth, app, group["member"])
    page = client.get("/calls/").data.decode()
    assert '<a href="/#work"><strong>1 question to answer</strong></a>' in page
    _login(auth, app, stranger["member"])
    assert "question to answer" not in client.get("/calls/").data.decode()
    with app.app_context():  # the group sends its application again: nothing waits
        db.session.get(Application, group["asked_id"]).status = ApplicationStatus.SUBMITTED
        db.session.commit()
    _login(auth, app, group["member"])
    assert "question to answer" not in client.get("/calls/").data.decode()


def test_the_officer_asking_sees_the_date_the_group_is_given(app, client, auth, world):
    auth.login(world.officer)
    page = client.get(f"/review/applications/{world.submitted.id}/more-info").data.decode()
    due = (utcnow() + timedelta(days=14)).date().isoformat()
    assert f"The group is asked to answer within 14 days, by {due}." in page


def test_a_report_due_soon_is_listed_one_far_ahead_is_not(app, client, auth):
    from grants.models import ReportRequirement

    group = _group(app)
    with app.app_context():
        rows = db.session.scalars(db.select(ReportRequirement).where(
            ReportRequirement.award_id == group["award_id"])
            .order_by(ReportRequirement.due_date)).all()
        overdue, soon = rows[0], rows[1]
        overdue.due_date = date.today() + timedelta(days=400)  # no longer overdue
        soon.due_date = date.today() + timedelta(days=100)
        db.session.commit()
        title = soon.title
    _login(auth, app, group["member"])
    assert "Report due by" not in _home(client)  # the next one is 100 days away
    with app.app_context():
        db.session.get(ReportRequirement, rows[1].id).due_date = date.today() + timedelta(
            days=20)
        db.session.commit()
    page = _home(client)
    assert page.count("Report due by") == 1 and title in page and "Overdue" not in page
