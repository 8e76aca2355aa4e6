"""The outbox and its worker in the suite's database: taking, retrying with a doubling
wait, giving up, a dead worker's lease, periodic runs once per slot, the admin's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from grants import notifications
from grants.extensions import db
from grants.jobs import outbox, schedule, worker
from grants.models import AuditEvent, JobStatus, OutboxItem, UserSession
from grants.models.types import utcnow
from tests import factories


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def failing(monkeypatch):
    """A kind of job whose work raises, as a relay that refuses would."""
    calls = []

    def fail(payload, key):
        calls.append(key)
        raise ConnectionRefusedError("relay at 10.0.0.1 refused for someone@example.org")

    monkeypatch.setitem(worker.HANDLERS, "test_failing", fail)
    return calls


def _item(kind="test_failing", **fields) -> OutboxItem:
    item = outbox.add(kind, {"n": 1}, **fields)
    db.session.commit()
    return item


def test_a_failure_waits_twice_as_long_each_time_then_gives_up(app, ctx, failing):
    app.config.update(JOBS_MAX_ATTEMPTS=3, JOBS_RETRY_SECONDS=30)
    item = _item()
    waits = []
    for _ in range(2):
        before = utcnow()
        outcome = worker.run_one(item.id)
        assert outcome.state == "retry"
        waits.append((outcome.retry_at - before).total_seconds())
        assert worker.run_one(item.id).state == "skipped"  # not due yet
        db.session.get(OutboxItem, item.id).due_at = utcnow()
        db.session.commit()
    assert 27 <= waits[0] <= 34 and 54 <= waits[1] <= 67
    assert worker.run_one(item.id).state == "failed"
    row = db.session.get(OutboxItem, item.id)
    assert (row.status, row.attempts, row.last_error) == (
        JobStatus.FAILED, 3, "ConnectionRefusedError")
    assert len(failing) == 3
    assert "example.org" not in (row.last_error or "") and "10.0.0.1" not in row.last_error


def test_the_wait_is_at_most_an_hour(app, ctx):
    app.config["JOBS_RETRY_SECONDS"] = 30
    assert worker.backoff(30) <= timedelta(hours=1.1)


def test_a_row_another_worker_holds_is_not_taken_until_its_lease_runs_out(app, ctx):
    item = _item("notice")
    now = utcnow()
    assert worker.take(item.id, now) is True
    assert worker.take(item.id, now) is False  # a second worker, at once
    lease = app.config["JOBS_LEASE_SECONDS"]
    assert worker.take(item.id, now + timedelta(seconds=lease + 1)) is True  # the first died
    assert db.session.get(OutboxItem, item.id).attempts == 2


def test_a_finished_row_is_never_run_again(app, ctx, outbox):
    user = factories.user()
    user.email = "group@example.org"
    notifications.notify(user, "message")
    db.session.commit()
    assert len(outbox) == 1
    row = db.session.scalars(sa.select(OutboxItem)).one()
    assert row.status == JobStatus.DONE
    assert worker.run_one(row.id).state == "skipped"
    assert len(outbox) == 1


def test_each_periodic_job_is_written_once_per_slot_however_often_it_is_planned(app, ctx):
    now = datetime(2026, 12, 6, 10, 17, tzinfo=UTC)
    assert sorted(schedule.plan(now)) == sorted(schedule.PERIODIC)
    assert schedule.plan(now + timedelta(minutes=30)) == []  # the same hour, another worker
    later = schedule.plan(now + timedelta(hours=1))
    assert sorted(later) == ["expired_sessions", "follow_ups_due", "report_reminders"]
    keys = set(db.session.scalars(sa.select(OutboxItem.key)))
    assert "periodic:retention_purge:20261206T0000" in keys
    assert "periodic:report_reminders:20261206T1000" in keys


def test_the_periodic_jobs_run_through_the_worker(app, ctx, outbox):
    user = factories.user()
    lapsed = UserSession(user_id=user.id, token_hash="a" * 64,
                         created_at=utcnow() - timedelta(days=2),
                         last_seen_at=utcnow() - timedelta(days=2),
                         expires_at=utcnow() - timedelta(days=1))
    db.session.add(lapsed)
    db.session.commit()
    schedule.plan()
    tally = worker.sweep()
    assert tally.get("done") == len(schedule.PERIODIC) and "failed" not in tally
    assert db.session.get(UserSession, lapsed.id).ended_at is not None


def test_an_emergency_follow_up_due_tells_the_deciding_officer_once(app, ctx, outbox):
    from grants.awards.reports import remind_follow_ups
    from grants.awards.services import FOLLOW_UP_TITLE
    from grants.models import ReportKind, ReportRequirement

    w = factories.world()
    w.officer.email = "officer@example.org"
    db.session.add(ReportRequirement(award=w.award, kind=ReportKind.CONVERSATION,
                                     title=FOLLOW_UP_TITLE, due_date=utcnow().date(),
                                     questions=["How are you?"]))
    db.session.commit()
    assert remind_follow_ups(utcnow(), 14) == 1
    assert remind_follow_ups(utcnow(), 14) == 0
    assert [m["To"] for m in outbox] == ["officer@example.org"]


def test_the_queue_unreachable_costs_the_action_nothing(app, ctx, caplog):
    from grants.jobs.queue import make_huey

    jobs = app.extensions["grants.jobs"]
    real = jobs["deliver"]
    dead = make_huey("redis://127.0.0.1:1/0", "grants-dead")
    jobs["deliver"] = dead.task(name="deliver")(lambda item_id: None)
    try:
        user = factories.user()
        user.email = "group@example.org"
        notifications.notify(user, "message")
        db.session.commit()  # no exception: the row waits for the sweep
        notifications.notify(user, "message")
        db.session.commit()  # within the pause: the queue is not asked again
    finally:
        jobs["deliver"] = real
        jobs.pop("down_until", None)
    assert caplog.text.count("job queue unreachable") == 1
    assert outbox.stats()["depth"] == 2


def test_stats_say_depth_age_and_failures(app, ctx):
    old = _item("notice")
    old.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    _item("notice", key="notice:gone").status = JobStatus.FAILED
    db.session.commit()
    stats = outbox.stats()
    assert stats["depth"] == 1 and stats["failed"] == 1
    assert 290 <= stats["oldest_age_seconds"] <= 400


def test_an_admin_retries_or_discards_a_failed_job_and_it_is_audited(app, client, auth, world):
    auth.login(world.admin)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "ConnectionRefusedError" in page and "notice" in page
    with app.app_context():
        second = factories.failed_job(world.applicant)
        db.session.commit()
        second_id = second.id
    assert client.post(f"/admin/jobs/{world.failed_job.id}/retry").status_code == 302
    assert client.post(f"/admin/jobs/{second_id}/discard").status_code == 302
    assert client.post(f"/admin/jobs/{second_id}/retry").status_code == 409  # not failed now
    with app.app_context():
        retried = db.session.get(OutboxItem, world.failed_job.id)
        assert (retried.status, retried.attempts) == (JobStatus.PENDING, 0)
        assert db.session.get(OutboxItem, second_id).status == JobStatus.DISCARDED
        actions = list(db.session.scalars(sa.select(AuditEvent.action)
                                          .where(AuditEvent.action.startswith("job."))
                                          .order_by(AuditEvent.id)))
        assert actions == ["job.retried", "job.discarded"]
    assert "No job has failed." in client.get("/admin/jobs").get_data(as_text=True)
