"""The anonymous grantee survey (IV.12): offered after an accepted report, answered once,
stored so that nothing in the database links an answer to the group that gave it, and
shown only from five answers a quarter."""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, SurveyInvitation, SurveyResponse
from grants.models.types import utcnow
from grants.voice import figures as voice
from grants.voice import survey
from tests import factories

ANSWER = {"respectful": "5", "burden": "2", "useful": "4", "change": "Fewer forms, please.",
          "action": "send"}


def _accept(client, auth, world):
    auth.login(world.officer)
    r = client.post(f"/awards/{world.award.id}/reports/{world.report.id}/review",
                    data={"decision": "accept", "note": ""})
    assert r.status_code == 302


def _invitation_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(SurveyInvitation.id).order_by(
            SurveyInvitation.id)))


def _invite(app, world, report=None) -> int:
    """Another accepted report of the world's award and its invitation (its id)."""
    with app.app_context():
        requirement = db.session.merge(world.requirement)
        rep = db.session.merge(report) if report else factories.report(
            requirement, db.session.merge(world.applicant))
        invitation = survey.offer(rep)
        db.session.commit()
        return invitation.id


def _quarter() -> str:
    return voice.quarter_of(utcnow().date())


# The offer -----------------------------------------------------------------------------------

def test_accepting_a_report_offers_the_survey_to_its_group_once(app, client, auth, world):
    _accept(client, auth, world)
    ids = _invitation_ids(app)
    assert len(ids) == 1
    with app.app_context():
        invitation = db.session.get(SurveyInvitation, ids[0])
        assert (invitation.report_id, invitation.organisation_id, invitation.closed) == (
            world.report.id, world.org.id, False)
        assert survey.offer(invitation_report := db.session.get(
            type(world.report), world.report.id)) is None  # once a report
        assert invitation_report.id == world.report.id
    auth.login(world.applicant)
    home = client.get("/").data.decode()
    assert "Tell us how we did" in home and f'href="/survey/{ids[0]}"' in home
    for other in ("stranger", "officer", "admin", "intermediary"):
        auth.login(world.by_role(other))
        page = client.get("/").data.decode()
        assert f"/survey/{ids[0]}" not in page and "Tell us how we did" not in page, other


def test_an_intermediarys_staff_answer_for_their_own_organisation(app, client, auth, world):
    with app.app_context():
        report = factories.report(db.session.merge(world.requirement),
                                  db.session.merge(world.applicant))
        invitation = SurveyInvitation(report_id=report.id,
                                      organisation_id=world.intermediary_org.id)
        db.session.add(invitation)
        db.session.commit()
        invitation_id = invitation.id
    auth.login(world.intermediary)
    assert f"/survey/{invitation_id}" in client.get("/").data.decode()
    assert client.post(f"/survey/{invitation_id}", data=ANSWER).status_code == 302
    auth.login(world.applicant)
    assert client.get(f"/survey/{invitation_id}").status_code == 404


def test_sending_a_report_back_offers_nothing(app, client, auth, world):
    auth.login(world.officer)
    client.post(f"/awards/{world.award.id}/reports/{world.report.id}/review",
                data={"decision": "changes", "note": "Please add the budget."})
    assert _invitation_ids(app) == []


@pytest.mark.parametrize(("role", "status"), [
    ("applicant", 200), ("stranger", 404), ("reviewer", 404), ("officer", 404),
    ("intermediary", 404), ("admin", 404), ("anon", 302)])
def test_only_the_group_sees_its_invitation(app, client, auth, world, role, status):
    invitation_id = _invite(app, world, world.report)
    if role != "anon":
        auth.login(world.by_role(role))
    assert client.get(f"/survey/{invitation_id}").status_code == status
    sent = client.post(f"/survey/{invitation_id}", data=ANSWER).status_code
    assert sent == (302 if role == "applicant" else status)
    assert _responses(app) == ([] if role != "applicant" else [(5, 2, 4)])


def _responses(app) -> list[tuple[int, int, int]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(sa.select(
            SurveyResponse.respectful, SurveyResponse.burden, SurveyResponse.useful))]


# Answering -------------------------------------------------------------------------------------

def test_the_page_asks_four_short_questions_with_words_at_the_ends(app, client, auth, world):
    invitation_id = _invite(app, world, world.report)
    auth.login(world.applicant)
    page = client.get(f"/survey/{invitation_id}").data.decode()
    for text in ("How respectfully", "How much work", "How useful", "What should we change",
                 "Not respectful at all", "Very heavy", "Very useful", "No thanks", "Send"):
        assert text in page, text
    assert page.count('type="radio"') == 15 and "<script>" not in page


def test_an_answer_is_stored_by_quarter_and_the_survey_closes(app, client, auth, world):
    invitation_id = _invite(app, world, world.report)
    auth.login(world.applicant)
    r = client.post(f"/survey/{invitation_id}", data=ANSWER)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    with app.app_context():
        response = db.session.scalars(sa.select(SurveyResponse)).one()
        assert (response.period, response.respectful, response.burden, response.useful,
                response.change) == (_quarter(), 5, 2, 4, "Fewer forms, please.")
        assert db.session.get(SurveyInvitation, invitation_id).closed is True
    assert "Tell us how we did" not in client.get("/").data.decode()
    # Answering twice is refused, and nothing more is stored.
    again = client.post(f"/survey/{invitation_id}", data=ANSWER)
    assert again.status_code == 403 and "already answered" in again.data.decode()
    assert client.get(f"/survey/{invitation_id}").status_code == 403
    assert _responses(app) == [(5, 2, 4)]


def test_no_thanks_closes_the_survey_and_stores_nothing(app, client, auth, world):
    invitation_id = _invite(app, world, world.report)
    auth.login(world.applicant)
    r = client.post(f"/survey/{invitation_id}", data={"action": "decline"})
    assert r.status_code == 302
    assert _responses(app) == []
    with app.app_context():
        assert db.session.get(SurveyInvitation, invitation_id).closed is True
    assert client.post(f"/survey/{invitation_id}", data=ANSWER).status_code == 403


def test_a_missing_score_or_a_long_text_is_explained_and_what_was_typed_kept(
        app, client, auth, world):
    invitation_id = _invite(app, world, world.report)
    auth.login(world.applicant)
    page = client.post(f"/survey/{invitation_id}", data={**ANSWER, "burden": ""}).data.decode()
    assert "Choose a number from 1 to 5." in page and "Fewer forms, please." in page
    assert re.search(r'<input checked[^>]*name="respectful"[^>]*value="5"', page)
    page = client.post(f"/survey/{invitation_id}",
                       data={**ANSWER, "change": "x" * 1001}).data.decode()
    assert "1000 characters" in page
    page = client.post(f"/survey/{invitation_id}", data={**ANSWER, "useful": "9"}).data.decode()
    assert "Not a valid choice" in page or "Choose a number" in page
    assert _responses(app) == []
    with app.app_context():
        assert db.session.get(SurveyInvitation, invitation_id).closed is False


def test_the_service_refuses_a_second_answer_and_a_score_out_of_range(app, world):
    invitation_id = _invite(app, world, world.report)
    with app.app_context():
        invitation = db.session.get(SurveyInvitation, invitation_id)
        applicant = db.session.merge(world.applicant)
        with pytest.raises(survey.ServiceError, match="from 1 to 5"):
            survey.answer(applicant, invitation, respectful=0, burden=3, useful=3, change=None)
        survey.answer(applicant, invitation, respectful=1, burden=3, useful=3, change=None)
        with pytest.raises(survey.ServiceError, match="already answered"):
            survey.answer(applicant, invitation, respectful=2, burden=3, useful=3, change=None)
        with pytest.raises(survey.ServiceError, match="already answered"):
            survey.decline(applicant, invitation)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


# The anonymous survey unlinkable in the database -------------------------------------------

def _snapshot() -> dict[str, Counter]:
    """Every row of every table, as stored (encrypted columns as ciphertext)."""
    out = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.text(f'SELECT * FROM "{table.name}"')).all()  # noqa: S608
        out[table.name] = Counter(tuple(repr(v) for v in row) for row in rows)
    return out


def _changed(before: dict, after: dict) -> dict[str, list]:
    return {name: list((after[name] - before[name]).elements())
            for name in after if after[name] != before[name]}


def test_the_anonymous_survey_unlinkable_in_the_database(app, client, auth, world, caplog):
    linked = {world.report.id, world.award.id, world.org.id, world.applicant.id,
              world.requirement.id}
    first, second = _invite(app, world, world.report), _invite(app, world)
    linked |= {first, second}
    auth.login(world.applicant)
    client.get("/")  # the session's own bookkeeping happens before the snapshot
    with app.app_context():
        before = _snapshot()
    caplog.set_level(logging.DEBUG)
    assert client.post(f"/survey/{first}", data=ANSWER).status_code == 302
    with app.app_context():
        after = _snapshot()
        response = db.session.scalars(sa.select(SurveyResponse)).one()
        raw = db.session.execute(sa.text(
            "SELECT change FROM survey_responses")).scalar_one()
    changed = _changed(before, after)

    # The answer: only its random key, the quarter, the scores and the ciphertext.
    table = SurveyResponse.__table__
    assert [c.name for c in table.columns] == ["id", "period", "respectful", "burden",
                                               "useful", "change"]
    assert not table.foreign_keys
    assert not [c for c in table.columns
                if isinstance(c.type, sa.Date | sa.DateTime) or "date" in repr(c.type).lower()]
    assert re.fullmatch(r"[0-9a-f]{32}", response.id) and response.period == _quarter()
    assert response.id not in {str(i) for i in linked}
    assert changed["survey_responses"] and len(changed["survey_responses"]) == 1

    # The invitation: only `closed` changed, and no other table holds the answer's key,
    # its ciphertext or anything about the scores.
    assert set(changed) <= {"survey_responses", "survey_invitations", "audit_events",
                            "user_sessions"}, set(changed)
    (old_row,) = (before["survey_invitations"] - after["survey_invitations"]).elements()
    (new_row,) = changed["survey_invitations"]
    names = [c.name for c in SurveyInvitation.__table__.columns]
    assert [n for n, a, b in zip(names, old_row, new_row, strict=True) if a != b] == ["closed"]
    for name, rows in changed.items():
        if name == "survey_responses":
            continue
        for row in rows:
            text = " ".join(row)
            assert response.id not in text and repr(bytes(raw)) not in text, name
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "survey.closed")).one()
        assert event.details == {} and event.object_type == "survey_invitations"
    assert not [r for r in caplog.records
                if response.id in r.getMessage() or "Fewer forms" in r.getMessage()]

    # A "no thanks" leaves the same trace as an answer: nobody can tell which was which.
    assert client.post(f"/survey/{second}", data={"action": "decline"}).status_code == 302
    with app.app_context():
        events = db.session.execute(sa.select(
            AuditEvent.action, AuditEvent.object_type, AuditEvent.details).where(
            AuditEvent.action == "survey.closed")).all()
    assert len(events) == 2 and events[0] == events[1]


def test_the_order_answers_arrived_in_is_not_kept(app, world):
    """Rows are rewritten in the order of their random keys at each answer: SQLite's rowid
    and PostgreSQL's xmin no longer say which answer came with which invitation."""
    with app.app_context():
        applicant = db.session.merge(world.applicant)
        requirement = db.session.merge(world.requirement)
        for n in range(6):
            invitation = survey.offer(factories.report(requirement, applicant))
            survey.answer(applicant, invitation, respectful=1 + n % 5, burden=3, useful=3,
                          change=f"text {n}")
            db.session.commit()  # each answer in its own (sub)transaction, as in a request
        if db.session.get_bind().dialect.name == "sqlite":
            ids = list(db.session.scalars(sa.text(
                "SELECT id FROM survey_responses ORDER BY rowid")))
            assert ids == sorted(ids) and len(ids) == 6
        else:
            writers = set(db.session.scalars(sa.text(
                "SELECT xmin::text FROM survey_responses")))
            assert len(writers) == 1
        assert sorted(db.session.scalars(sa.select(SurveyResponse.change))) == [
            f"text {n}" for n in range(6)]  # still readable after the rewrite


# Results ------------------------------------------------------------------------------------

def _answers(period: str, rows: list[tuple[int, int, int, str | None]]) -> None:
    for respectful, burden, useful, change in rows:
        db.session.add(SurveyResponse(period=period, respectful=respectful, burden=burden,
                                      useful=useful, change=change))
    db.session.flush()


def test_results_show_only_from_five_answers_a_quarter(app, client, auth, world):
    with app.app_context():
        _answers("2026-Q3", [(5, 1, 4, "Faster payments"), (4, 2, 5, "Shorter reports"),
                             (3, 1, 4, "More core support"), (5, 3, 3, "Visit us"),
                             (4, 2, 5, "Fewer emails")])
        _answers("2026-Q4", [(1, 5, 1, "Only four of us")] * 4)
        db.session.commit()
    auth.login(world.officer)
    page = client.get("/survey/results?period=2026").data.decode()
    q3 = page[page.index('id="q-2026-Q3"'):page.index('id="q-2026-Q4"')]
    q4 = page[page.index('id="q-2026-Q4"'):]
    assert "5 answers" in q3 and "4.20" in q3 and "1.80" in q3 and "4.20" in q3
    for text in ("Faster payments", "Shorter reports", "Visit us"):
        assert text in q3
    assert "Not shown: fewer than 5 answers." in q4 and "Only four of us" not in page
    assert "Not shown: fewer than 5 answers." in page[page.index('id="q-2026-Q1"'):]
    auth.login(world.admin)
    assert "Faster payments" in client.get("/survey/results?period=2026-Q3").data.decode()
    page = client.get("/survey/results?period=2026-Q4").data.decode()
    assert "Only four of us" not in page and 'id="q-2026-Q3"' not in page


def test_distributions_averages_and_free_text_per_quarter(app, world):
    with app.app_context():
        _answers("2026-Q2", [(5, 1, 4, "a"), (4, 2, 5, None), (4, 1, 4, "b"), (2, 5, 3, None),
                             (5, 1, 4, None), (1, 1, 1, "c")])
        (q1, q2, q3, q4) = survey.results(date(2026, 1, 1), date(2026, 12, 31))
        assert [q.answers for q in (q1, q2, q3, q4)] == [None, 6, None, None]
        assert q2.distributions == {"respectful": [1, 1, 0, 2, 2], "burden": [4, 1, 0, 0, 1],
                                    "useful": [1, 0, 1, 3, 1]}
        assert q2.averages == {"respectful": 3.5, "burden": 1.83, "useful": 3.5}
        assert q2.changes == []  # six answers, but only three wrote something
        _answers("2026-Q2", [(3, 3, 3, "d"), (3, 3, 3, "e")])
        orders = {tuple(survey.results(date(2026, 4, 1), date(2026, 6, 30))[0].changes)
                  for _ in range(20)}
        assert {frozenset(o) for o in orders} == {frozenset("abcde")} and len(orders) > 1


def test_the_summary_for_the_portfolio_suppresses_and_runs_one_query(app, world):
    from tests.conftest import count_queries

    with app.app_context():
        _answers("2026-Q4", [(5, 2, 4, None)] * 4)
        with count_queries(app) as statements:
            summary = voice.survey_summary(date(2026, 10, 15), date(2026, 11, 30))
        assert len(_selects(statements)) == 1
        assert summary == {"quarters": ["2026-Q4"], "answers": None, "respectful": None,
                           "burden": None, "useful": None, "suppressed": True}
        _answers("2026-Q4", [(2, 4, 1, None)])
        assert voice.survey_summary(date(2026, 9, 30), date(2026, 10, 1)) == {
            "quarters": ["2026-Q3", "2026-Q4"], "answers": 5, "respectful": 4.4,
            "burden": 2.4, "useful": 3.4, "suppressed": False}
        # one answer in Q3: Q3 + Q4 minus Q4's own figures would be that answer
        _answers("2026-Q3", [(1, 1, 1, None)])
        assert voice.survey_summary(date(2026, 9, 30), date(2026, 10, 1))["suppressed"]
        assert voice.quarters_between(date(2025, 11, 1), date(2026, 2, 1)) == [
            "2025-Q4", "2026-Q1"]


def _selects(statements: list[str]) -> list[str]:
    """The queries (the test's own SAVEPOINT bookkeeping left out)."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]
