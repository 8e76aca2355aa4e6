"""Measurements inside one process, through Flask's test client: SQL statements per page
(counted with an engine event listener) and the dashboard against its own aggregates."""

from __future__ import annotations

import secrets
import statistics
import time

import sqlalchemy as sa

from bench.config import DATA_KEYS, SECRET_KEY
from bench.pages import COUNTING_OFFICER, Page


def make_app(url: str, **settings):
    from grants import create_app
    from grants.config import database_url

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "BENCH": True,
                       "SECRET_KEY": SECRET_KEY, "DATA_KEYS": DATA_KEYS,
                       "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, **settings})


def _client_as(app, username: str | None):
    """A test client whose cookie carries a fresh server-side session for `username`."""
    from grants.auth import services
    from grants.extensions import db
    from grants.models import User

    client = app.test_client()
    if username is None:
        return client
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        token = secrets.token_urlsafe(32)
        services.open_session(user, token)
        db.session.commit()
    with client.session_transaction() as s:
        s["sid"], s["_permanent"] = token, True
    return client


def _call(client, page: Page):
    if page.method == "POST":
        return client.post(page.path, data=dict(page.form))
    return client.get(page.path)


def query_counts(app, pages: list[Page]) -> dict[str, int]:
    """Statements each page runs (the second request, so one-off work is not counted)."""
    from grants.extensions import db

    counts = {}
    with app.app_context():
        engine = db.engine
    for page in pages:
        user = COUNTING_OFFICER if page.user and "officer" in page.user else page.user
        client = _client_as(app, user)
        _call(client, page)
        seen = []

        def count(*_args, seen=seen):
            seen.append(1)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            status = _call(client, page).status_code
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        counts[page.name] = len(seen) if status < 400 else f"HTTP {status}"
    return counts


def _median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def dashboard_vs_aggregates(app, runs: int = 3) -> dict | None:
    """The dashboard page's time against dashboard.dashboard() alone, in-process."""
    if "reporting.index" not in app.view_functions:
        return None
    from grants.models.types import utcnow
    from grants.reporting import dashboard, portfolio

    client = _client_as(app, COUNTING_OFFICER)
    status = client.get("/portfolio/").status_code  # warm up
    if status != 200:
        return {"error": f"HTTP {status}", "ratio": None}
    page = _median_seconds(lambda: client.get("/portfolio/"), runs)
    with app.app_context():
        period = portfolio.Period.calendar_year(utcnow().year)
        dashboard.dashboard(period)
        bare = _median_seconds(lambda: dashboard.dashboard(period), runs)
    return {"page_ms": round(page * 1000, 1), "aggregates_ms": round(bare * 1000, 1),
            "ratio": round(page / bare, 2) if bare else None}
