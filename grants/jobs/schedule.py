"""The periodic work the worker does on its own schedule, without cron.

Each run is an outbox row whose key names its job and time slot (`periodic:<job>:<slot>`):
however many workers on however many hosts plan the same slot, the key lets one row in, so
each job runs once per slot; a run that fails is retried like any other job, and one that
fails past its retries shows on the admin's jobs page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app

from grants.extensions import db
from grants.jobs import outbox, worker
from grants.models.types import utcnow

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _report_reminders(now: datetime) -> None:
    from grants.awards.reports import remind

    remind(now, current_app.config["REPORT_REMINDER_DAYS"])


def _follow_ups_due(now: datetime) -> None:
    from grants.awards.reports import remind_follow_ups

    remind_follow_ups(now, current_app.config["REPORT_REMINDER_DAYS"])


def _retention_purge(now: datetime) -> None:
    from grants.security.retention import purge

    purge(current_app.config["RETENTION_DAYS"], now=now)


def _expired_sessions(now: datetime) -> None:
    from grants.security.retention import purge_sessions

    purge_sessions(current_app.config["RETENTION_DAYS"], now=now)


# job name -> (how often, what it does)
PERIODIC: dict[str, tuple[timedelta, Callable[[datetime], None]]] = {
    "report_reminders": (timedelta(hours=1), _report_reminders),
    "follow_ups_due": (timedelta(hours=1), _follow_ups_due),
    "retention_purge": (timedelta(days=1), _retention_purge),
    "expired_sessions": (timedelta(hours=1), _expired_sessions),
}


def slot(now: datetime, every: timedelta) -> datetime:
    """The start of the period `now` falls in."""
    return EPOCH + ((now - EPOCH) // every) * every


def plan(now: datetime | None = None) -> list[str]:
    """Write this slot's run of every periodic job not yet written; the names written."""
    now = now or utcnow()
    written = [name for name, (every, _fn) in PERIODIC.items()
               if outbox.add_once("periodic", f"periodic:{name}:{slot(now, every):%Y%m%dT%H%M}",
                                  {"job": name})]
    db.session.commit()
    return written


def run(payload: dict, _key: str) -> None:
    """Do one periodic job (the worker's handler for the kind "periodic")."""
    _every, job = PERIODIC[payload["job"]]
    with worker.writing():  # database work only: it reads, then writes
        job(utcnow())
