"""The consultation log (IV.12): officers record what defenders said and what the funder
will do, follow the commitment over time; admins read; nobody else learns of it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, CommitmentStatus, Consultation, Role, User
from grants.models.types import utcnow
from grants.voice import consultations
from grants.voice import figures as voice

HEARD = "Women defenders asked for childcare during trainings."
FORM = {"held_on": "2026-10-14", "topic": "Regional meeting on protection", "fund_id": "",
        "country": "CO", "participants": "23", "group1_label": "women", "group1_count": "14",
        "group2_label": "youth", "group2_count": "6", "heard": HEARD,
        "commitment": "Add a care line to every budget.", "commitment_status": "planned",
        "outcome": ""}


def _record(app, **fields) -> int:
    with app.app_context():
        details = consultations.Details(**{"held_on": date(2026, 10, 14), "topic": "A",
                                           "participants": 10, **fields})
        officer = db.session.scalars(sa.select(User).where(User.role == Role.OFFICER)).first()
        c = consultations.record(officer, details, today=date(2026, 11, 1))
        db.session.commit()
        return c.id


def test_an_officer_records_a_consultation_and_reads_it_back(app, client, auth, world):
    auth.login(world.officer)
    form = client.get("/consultations/new").data.decode()
    assert "Counts only, never names" in form and world.fund.name in form
    r = client.post("/consultations/new", data={**FORM, "fund_id": str(world.fund.id)})
    assert r.status_code == 302
    with app.app_context():
        c = db.session.scalars(sa.select(Consultation)).one()
        assert (c.held_on, c.topic, c.fund_id, c.country, c.participants,
                c.participant_counts, c.heard, c.commitment_status, c.recorded_by_id) == (
            date(2026, 10, 14), "Regional meeting on protection", world.fund.id, "CO", 23,
            {"women": 14, "youth": 6}, HEARD, CommitmentStatus.PLANNED, world.officer.id)
        stored = db.session.execute(sa.text("SELECT heard FROM consultations")).scalar_one()
        assert HEARD.encode() not in bytes(stored)  # encrypted at rest
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "consultation.recorded")).one()
        assert (event.actor_id, event.object_id, event.details) == (world.officer.id, c.id, {})
    assert r.headers["Location"] == f"/consultations/{c.id}"
    page = client.get(f"/consultations/{c.id}").data.decode()
    assert HEARD in page and "women" in page and "14" in page and "Planned" in page
    listing = client.get("/consultations").data.decode()
    assert "Regional meeting on protection" in listing and "1 consultation" in listing
    assert HEARD not in listing  # texts only on the consultation's own page


def test_the_commitment_is_followed_over_time_and_audited(app, client, auth, world):
    cid = _record(app, commitment="Pay within a week.")
    auth.login(world.officer)
    page = client.get(f"/consultations/{cid}/edit").data.decode()
    assert "Pay within a week." in page
    data = {"held_on": "2026-10-14", "topic": "A", "participants": "10", "fund_id": "",
            "country": "", "commitment": "Pay within a week.",
            "commitment_status": "done", "outcome": "Median time to payment is 5 days."}
    assert client.post(f"/consultations/{cid}/edit", data=data).status_code == 302
    with app.app_context():
        c = db.session.get(Consultation, cid)
        assert (c.commitment_status, c.outcome) == (CommitmentStatus.DONE,
                                                    "Median time to payment is 5 days.")
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "consultation.updated")).one()
        assert event.details == {"fields": ["commitment_status", "outcome"], "status": "done"}
        assert "5 days" not in str(event.details)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"held_on": ""}, "held_on", "Enter the date"),
    ({"held_on": "14/10/2026"}, "held_on", "Enter the date"),
    ({"topic": "  "}, "topic", "Write the topic."),
    ({"participants": "many"}, "participants", "whole number"),
    ({"participants": "-3"}, "participants", "Enter a number from 0 to 100000."),
    ({"group3_label": "elders", "group3_count": "2.5"}, "group3_count", "whole number"),
    ({"group1_count": "40"}, "group1_count", "cannot be larger than the number of participants"),
    ({"group1_label": ""}, "group1_label", "Name the group"),
    ({"group2_count": ""}, "group2_count", "Enter how many of them"),
    ({"group2_label": "Women"}, "group2_label", "listed twice"),
    ({"fund_id": "99999"}, "fund_id", "Choose one of the funds"),
    ({"country": "XX"}, "country", "Choose one of the countries"),
    ({"commitment_status": "forgotten"}, "commitment_status", "Not a valid choice"),
    ({"heard": "x" * 5001}, "heard", "5000"),
])
def test_a_refused_consultation_says_why_and_keeps_what_was_typed(
        app, client, auth, world, changes, field, message):
    auth.login(world.officer)
    r = client.post("/consultations/new", data={**FORM, **changes})
    page = r.data.decode()
    assert r.status_code == 200 and message in page, page[page.find("error-summary"):][:600]
    assert f'href="#{field}"' in page  # the summary links to the field
    if field != "heard":
        assert HEARD in page
    assert "Regional meeting on protection" in page or field == "topic"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 0


def test_a_consultation_in_the_future_is_refused(app, client, auth, world):
    auth.login(world.officer)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    page = client.post("/consultations/new", data={**FORM, "held_on": tomorrow}).data.decode()
    assert "the date is in the future" in page and HEARD in page


@pytest.mark.parametrize(("role", "index", "show", "edit", "new"), [
    ("officer", 200, 200, 200, 200), ("admin", 200, 200, 403, 403),
    ("applicant", 403, 404, 404, 403), ("stranger", 403, 404, 404, 403),
    ("reviewer", 403, 404, 404, 403), ("intermediary", 403, 404, 404, 403),
    ("anon", 302, 302, 302, 302)])
def test_officers_record_admins_read_and_nobody_else_sees(
        app, client, auth, world, role, index, show, edit, new):
    cid = _record(app, heard=HEARD)
    if role != "anon":
        auth.login(world.by_role(role))
    assert client.get("/consultations").status_code == index
    r = client.get(f"/consultations/{cid}")
    assert r.status_code == show and (HEARD in r.data.decode()) == (show == 200)
    assert client.get(f"/consultations/{cid}/edit").status_code == edit
    assert client.post(f"/consultations/{cid}/edit", data={**FORM}).status_code == (
        302 if edit == 200 else edit)
    assert client.get("/consultations/new").status_code == new
    if role == "admin":
        page = client.get(f"/consultations/{cid}").data.decode()
        assert "/edit" not in page and "Record a consultation" not in client.get(
            "/consultations").data.decode()


def test_the_list_filters_by_fund_and_pages(app, client, auth, world):
    for n in range(consultations.PAGE_SIZE + 2):
        _record(app, topic=f"Topic {n:02d}", fund_id=world.fund.id if n < 3 else None)
    auth.login(world.admin)
    page = client.get(f"/consultations?fund={world.fund.id}").data.decode()
    assert "3 consultations" in page and "Topic 02" in page and "Topic 05" not in page
    page = client.get("/consultations?page=2").data.decode()
    assert "27 consultations" in page and "Page 2 of 2" in page


def test_the_summary_for_the_portfolio_runs_two_queries_however_many(app, world):
    from tests.conftest import count_queries

    statuses = ["planned", "in_progress", "done", "done", "dropped"]
    for n, status in enumerate(statuses):
        _record(app, topic=f"T{n}", held_on=date(2026, 10, 1 + n), participants=10 + n,
                commitment="We will." if n != 4 else "", commitment_status=status,
                fund_id=world.fund.id if n % 2 == 0 else None, heard="secret words")
    _record(app, topic="Old", held_on=date(2025, 1, 1), participants=99)
    with app.app_context():
        with count_queries(app) as statements:
            summary = voice.consultation_summary(date(2026, 1, 1), date(2026, 12, 31))
        assert len(_selects(statements)) == 2
        assert (summary["consultations"], summary["participants"]) == (5, 60)
        assert summary["commitments"] == {"planned": 1, "in_progress": 1, "done": 2,
                                          "dropped": 0}  # the dropped one wrote none
        assert [c["topic"] for c in summary["latest"]] == ["T4", "T3", "T2", "T1", "T0"]
        assert set(summary["latest"][0]) == {"id", "topic", "held_on", "status"}
        funded = voice.consultation_summary(date(2026, 1, 1), date(2026, 12, 31),
                                            fund_id=world.fund.id, with_texts=True)
        assert (funded["consultations"], funded["participants"]) == (3, 36)
        assert funded["latest"][0]["commitment"] is None
        assert funded["latest"][1]["commitment"] == "We will."
        for n in range(20):
            _record(app, topic=f"More {n}", held_on=date(2026, 6, 1), participants=1)
        with count_queries(app) as statements:
            voice.consultation_summary(date(2026, 1, 1), date(2026, 12, 31), with_texts=True)
        assert len(_selects(statements)) == 2


def _selects(statements: list[str]) -> list[str]:
    """The queries (the test's own SAVEPOINT bookkeeping left out)."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]
