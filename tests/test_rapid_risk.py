"""Emergency requests are protected by default: the one-page form asks
how much danger the defender is in with the safest answer chosen, an officer reveals a
high-risk request before reading it (and that is logged), a group's risk is the highest of
its applications', and the officer can ask the defender a question while the clock runs."""

from __future__ import annotations

import importlib.util
import re

import sqlalchemy as sa
from werkzeug.routing.converters import AnyConverter

from grants import ROOT
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    Message,
    Organisation,
    RiskLevel,
)
from grants.security.audit import verify_chain
from tests import factories

# One canary per field of the request that can hurt the defender.
CANARIES = {
    "what_happened": "CANARY-THREAT men at the gate",
    "needs_now": "CANARY-NEEDS a safe phone",
    "relocation_justification": "CANARY-RELOCATION the police run the town",
    "gender_risk": "CANARY-GENDER threatened as a woman lawyer",
    "safe_contact": "CANARY-CONTACT Signal after six",
    "written_in": "CANARY-LANGUAGE",
}
ORG_CONTACT = "Signal +57 300 000 0000"  # the world's group's own contact details
# A budget line's description can say where the defender hides; the group's name says who.
LINE = "CANARY-LINE safe house in Tumaco"
GROUP = "CANARY-GROUP Mujeres del Río"
# GET pages that end the session rather than show anything.
NOT_PAGES = {"main.quick_exit", "static"}


def _form(world, **overrides) -> dict:
    data = {"organisation": str(world.org.id), "category": "relocation", "currency": "USD",
            "line1_category": "relocation", "line1_description": LINE,
            "line1_amount": "900", **CANARIES}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _file(app, client, auth, world, **overrides) -> int:
    auth.login(world.applicant)
    response = client.post(f"/applications/rapid/{world.rapid_call.id}",
                           data=_form(world, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _risk(app, application_id: int) -> RiskLevel:
    with app.app_context():
        return db.session.get(Application, application_id).risk_level


def test_an_emergency_request_is_high_risk_unless_the_defender_says_otherwise(
        app, client, auth, world):
    auth.login(world.applicant)
    page = client.get(f"/applications/rapid/{world.rapid_call.id}").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="risk_level"[^>]*>', page)
    assert len(radios) == 3 and 'value="high"' in radios[0] and "checked" in radios[0]
    assert not any("checked" in r for r in radios[1:])
    low = _file(app, client, auth, world, risk_level="low")
    assert _risk(app, low) == RiskLevel.LOW
    auth.login(world.officer)  # the defender said it is safe: no reveal step
    page = client.get(f"/review/applications/{low}/rapid").get_data(as_text=True)
    assert CANARIES["what_happened"] in page and "Sensitive details are hidden" not in page
    # Sent as the page stands (or by a client that never showed the question): high.
    assert _risk(app, _file(app, client, auth, world)) == RiskLevel.HIGH
    assert _risk(app, _file(app, client, auth, world, risk_level="high")) == RiskLevel.HIGH
    response = client.post(f"/applications/rapid/{world.rapid_call.id}",
                           data=_form(world, risk_level="none"))
    assert "Choose how much danger there is now." in response.get_data(as_text=True)


def _pages(app, values: dict) -> list[str]:
    """Every GET page of the url map whose arguments we can fill: no arguments, the
    request's id, its group's id, and each choice of a fixed list (exports' kinds)."""
    urls, adapter = [], app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        choices = {name: sorted(conv.items) for name, conv in rule._converters.items()
                   if isinstance(conv, AnyConverter)}
        if not set(rule.arguments) <= set(values) | set(choices):
            continue
        combos = [dict(values)]
        for name, items in choices.items():
            combos = [{**c, name: item} for c in combos for item in items]
        urls += [adapter.build(rule.endpoint, {k: v for k, v in c.items()
                                               if k in rule.arguments}) for c in combos]
    return sorted(set(urls))


def _name_group(app, world) -> None:
    """The world's group gets a name to look for, and its award's budget the line."""
    with app.app_context():
        db.session.get(Organisation, world.org.id).name = GROUP
        for line in db.session.get(Award, world.award.id).budget_lines:
            line.description = LINE
        db.session.commit()


def test_an_officer_sees_no_sensitive_field_of_an_emergency_request_before_revealing(
        app, client, auth, world):
    _name_group(app, world)
    app_id = _file(app, client, auth, world)
    auth.login(world.officer)
    # The request's pages, and those of the group's award and payment (its group is now at
    # high risk).
    urls = _pages(app, {"application_id": app_id, "org_id": world.org.id,
                        "award_id": world.award.id, "disbursement_id": world.disbursement.id,
                        "tranche_id": world.released.id})
    rapid_page = f"/review/applications/{app_id}/rapid"
    assert rapid_page in urls and f"/applications/{app_id}" in urls
    assert {"/exports/applications.csv", "/orgs/", "/awards/", "/payments/",
            f"/awards/{world.award.id}", f"/payments/{world.disbursement.id}"} <= set(urls)
    seen, leaks = {}, {}
    for url in urls:
        response = client.get(url)
        data = response.get_data()  # read to the end: a streamed export closes its session
        body = data.decode() if "xlsx" not in url else ""
        seen[url] = response.status_code
        found = [v for v in (*CANARIES.values(), ORG_CONTACT, LINE, GROUP) if v in body]
        if found:
            leaks[url] = found
    assert not leaks, "\n".join(f"{u}: {v}" for u, v in sorted(leaks.items()))
    assert seen[rapid_page] == seen[f"/applications/{app_id}"] == seen["/orgs/"] == 200
    page = client.get(rapid_page).get_data(as_text=True)
    assert "Sensitive details are hidden" in page
    assert "Group at high risk" in client.get("/orgs/").get_data(as_text=True)

    response = client.post(f"/applications/{app_id}/reveal",
                           data={"reason": "decide", "back": "rapid"})
    assert response.headers["Location"].endswith(rapid_page)
    page = client.get(rapid_page).get_data(as_text=True)
    assert all(v in page for v in (*CANARIES.values(), LINE, GROUP)), page
    assert ORG_CONTACT in client.get(f"/orgs/{world.org.id}").get_data(as_text=True)
    assert GROUP in client.get("/orgs/").get_data(as_text=True)
    award_page = f"/awards/{world.award.id}"  # opened with its own application
    assert LINE not in client.get(award_page).get_data(as_text=True)
    client.post(f"/applications/{world.award.application_id}/reveal", data={"reason": "payment"})
    assert LINE in client.get(award_page).get_data(as_text=True)
    with app.app_context():
        (event, _) = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "application.revealed").order_by(AuditEvent.id))
        assert event.object_id == app_id and event.actor_id == world.officer.id
        assert event.details == {"reason": "decide"}
        assert verify_chain() is None


def _application(app, world, risk: RiskLevel, status: ApplicationStatus) -> None:
    with app.app_context():
        factories.application(db.session.merge(world.call), db.session.merge(world.org),
                              by=db.session.merge(world.applicant), status=status,
                              risk_level=risk)
        db.session.commit()


def test_a_groups_risk_is_the_highest_of_its_applications(app, client, auth, world):
    auth.login(world.officer)
    org_page = f"/orgs/{world.org.id}"
    page = client.get(org_page).get_data(as_text=True)
    assert "Low: we can work openly" in page and ORG_CONTACT in page
    _application(app, world, RiskLevel.MEDIUM, ApplicationStatus.SUBMITTED)
    _application(app, world, RiskLevel.HIGH, ApplicationStatus.DRAFT)  # not said yet
    page = client.get(org_page).get_data(as_text=True)
    assert "Medium: we have been threatened" in page and ORG_CONTACT in page
    # Withdrawn, it still says what danger the group is in.
    _application(app, world, RiskLevel.HIGH, ApplicationStatus.WITHDRAWN)
    page = client.get(org_page).get_data(as_text=True)
    assert "High: we are in serious danger" in page and ORG_CONTACT not in page
    export = client.get("/exports/awards.csv").get_data(as_text=True)
    assert world.award.reference in export and world.org.name not in export


def test_an_emergency_request_makes_its_group_high_risk_for_staff(app, client, auth, world):
    _file(app, client, auth, world)
    auth.login(world.officer)
    page = client.get(f"/orgs/{world.org.id}").get_data(as_text=True)
    assert "High: we are in serious danger" in page and ORG_CONTACT not in page


def test_the_officer_asks_the_defender_and_the_clock_keeps_running(app, client, auth, world):
    app_id = _file(app, client, auth, world)
    rapid_page = f"/review/applications/{app_id}/rapid"
    auth.login(world.officer)
    with app.app_context():
        due = db.session.get(Application, app_id).rapid_due_at
    response = client.post(rapid_page, data={"decision": "ask", "question": "  "})
    assert "Write what you need to know." in response.get_data(as_text=True)
    question = "Which town can you reach safely by Friday?"
    response = client.post(rapid_page, data={"decision": "ask", "question": question})
    assert response.status_code == 302
    page = client.get(rapid_page).get_data(as_text=True)
    assert "Waiting for the defender" in page and "Decide by" in page
    assert question not in page  # the thread is sensitive: hidden until revealed
    queue = client.get("/review/").get_data(as_text=True)
    assert "Answer awaited" in queue
    with app.app_context():
        a = db.session.get(Application, app_id)
        assert a.status == ApplicationStatus.SUBMITTED and a.rapid_due_at == due
        assert a.awaiting_answer_since is not None and a.decided_at is None

    auth.login(world.applicant)  # the defender reads it where they follow the request
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "asked you a question" in page and question in page
    assert page.count("asked you a question") == 1  # once, at the top of the page
    answer = "Kisumu, by bus on Thursday"
    response = client.post(f"/applications/{app_id}/messages", data={"body": answer})
    assert response.status_code == 302
    assert "asked you a question" not in client.get(
        f"/applications/{app_id}").get_data(as_text=True)

    auth.login(world.officer)
    page = client.get(rapid_page).get_data(as_text=True)
    assert "Waiting for the defender" not in page and answer not in page
    assert "Answer awaited" not in client.get("/review/").get_data(as_text=True)
    client.post(f"/applications/{app_id}/reveal", data={"reason": "decide", "back": "rapid"})
    page = client.get(rapid_page).get_data(as_text=True)
    assert question in page and answer in page
    response = client.post(f"/applications/{app_id}/messages",
                           data={"body": "Thank you.", "back": "rapid"})
    assert response.headers["Location"].split("#")[0].endswith(rapid_page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Message.id)).where(
            Message.application_id == app_id)) == 3
        assert db.session.get(Application, app_id).awaiting_answer_since is None


def test_a_reviewer_cannot_ask_the_defender(app, client, auth, world):
    auth.login(world.reviewer)
    response = client.post(f"/review/applications/{world.rapid_request.id}/rapid",
                           data={"decision": "ask", "question": "Where are you?"})
    assert response.status_code in (403, 404)


def test_the_migration_marks_existing_emergency_requests_high(app, world):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = next((ROOT / "migrations" / "versions").glob("*_rapid_requests_high_risk*.py"))
    spec = importlib.util.spec_from_file_location("rapid_high", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        assert db.session.get(Application, world.rapid_request.id).risk_level == RiskLevel.LOW
        db.session.flush()
        with Operations.context(MigrationContext.configure(db.session.connection())):
            migration.mark_rapid_requests_high()
        db.session.expire_all()
        assert db.session.get(Application, world.rapid_request.id).risk_level == RiskLevel.HIGH
        assert db.session.get(Application, world.reviewed.id).risk_level == RiskLevel.LOW


def test_a_request_marked_low_by_a_group_in_danger_is_still_revealed_first(
        app, client, auth, world):
    _application(app, world, RiskLevel.HIGH, ApplicationStatus.SUBMITTED)
    low = _file(app, client, auth, world, risk_level="low")
    auth.login(world.officer)
    page = client.get(f"/review/applications/{low}/rapid").get_data(as_text=True)
    assert CANARIES["what_happened"] not in page and "Sensitive details are hidden" in page


def _leaks(client, urls: list[str], markers: tuple[str, ...]) -> dict[str, list[str]]:
    leaks = {}
    for url in urls:
        data = client.get(url).get_data()  # read to the end: a streamed export closes
        body = data.decode() if "xlsx" not in url else ""
        if found := [m for m in markers if m in body]:
            leaks[url] = found
    return leaks


def test_an_ordinary_high_risk_applications_budget_says_what_for_only_once_revealed(
        app, client, auth, world):
    with app.app_context():
        application = db.session.get(Application, world.submitted.id)
        application.risk_level = RiskLevel.HIGH
        application.budget_lines[0].description = LINE
        db.session.commit()
    auth.login(world.officer)
    urls = _pages(app, {"application_id": world.submitted.id, "org_id": world.org.id})
    assert f"/applications/{world.submitted.id}" in urls
    assert not _leaks(client, urls, (LINE,))
    page = client.get(f"/applications/{world.submitted.id}").get_data(as_text=True)
    assert "Budget lines" in page  # category, year and amount stay in view
    client.post(f"/applications/{world.submitted.id}/reveal", data={"reason": "decide"})
    assert LINE in client.get(f"/applications/{world.submitted.id}").get_data(as_text=True)


def test_staff_pickers_and_lists_name_an_intermediary_at_high_risk_by_its_code(
        app, client, auth, world):
    """Every GET page an officer or admin reaches with the world's ids (the payment's and
    the regranting award's pickers among them)."""
    name = "CANARY-INTERMEDIARY Casa Segura"
    with app.app_context():
        db.session.get(Organisation, world.intermediary_org.id).name = name
        db.session.get(Application, world.rapid_request.id).risk_level = RiskLevel.HIGH
        code = db.session.get(Application, world.rapid_request.id).code_name
        # a group chose it: the decision's route picker offers it
        db.session.get(Application, world.submitted.id).intermediary_id = \
            world.intermediary_org.id
        db.session.commit()
    ids = {"org_id": world.intermediary_org.id, "award_id": world.award.id,
           "disbursement_id": world.disbursement.id, "tranche_id": world.released.id}
    urls = sorted({*_pages(app, {**ids, "application_id": world.rapid_request.id}),
                   *_pages(app, {**ids, "application_id": world.submitted.id})})
    decide = f"/review/applications/{world.submitted.id}/decide"
    assert {"/regranting/awards/new", f"/payments/tranches/{world.released.id}/schedule",
            "/orgs/", decide} <= set(urls)
    for user in (world.officer, world.admin):
        auth.login(user)
        assert not _leaks(client, urls, (name,)), user.role
    auth.login(world.officer)
    for picker in (f"/payments/tranches/{world.released.id}/schedule", decide):
        assert f"Group at high risk ({code})" in client.get(picker).get_data(as_text=True)
    auth.login(world.intermediary)  # its own people see its name
    assert name in client.get(f"/orgs/{world.intermediary_org.id}").get_data(as_text=True)
