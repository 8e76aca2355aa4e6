"""`flask --app grants doctor`: a production configuration that lacks nothing passes, and
each thing a production needs, taken away in turn, is named and makes it fail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants.extensions import db
from grants.jobs import worker
from grants.models.types import utcnow
from grants.ops import backup, doctor

GOOD = {
    "ENV_NAME": "production",
    "PORTAL_URL": "https://grants.example.org/",
    "SESSION_COOKIE_SECURE": True,
    "PREFERRED_URL_SCHEME": "https",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "MAIL_BACKEND": "smtp",
    "SMTP_HOST": "relay.example.org",
    "SMTP_PASSWORD": "relay-password-never-printed",
    "SMTP_STARTTLS": True,
    "JOBS_BROKER_URL": "redis://127.0.0.1:6379/0",
}

# What is taken away -> the check that must fail.
BROKEN = {
    "not production": ({"ENV_NAME": "development"}, "secret key"),
    "short secret": ({"SECRET_KEY": "short"}, "secret key"),
    "plain http": ({"PORTAL_URL": "http://grants.example.org/"}, "https"),
    "cookies not secure": ({"SESSION_COOKIE_SECURE": False}, "https"),
    "rate limits in memory, four workers": ({"RATELIMIT_STORAGE_URI": "memory://"},
                                            "rate limits"),
    "mail only logged": ({"MAIL_BACKEND": "log"}, "mail"),
    "no relay": ({"SMTP_HOST": None}, "mail"),
    "queue in memory": ({"JOBS_BROKER_URL": "memory://"}, "job queue"),
}


@pytest.fixture
def ready(app, monkeypatch, tmp_path):
    """The suite's app with production settings, a worker heard now, a backup an hour old."""
    for key, value in GOOD.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))
    made = utcnow() - timedelta(hours=1)
    (tmp_path / backup.file_name("sqlite", made)).write_bytes(b"SQLite format 3\x00")
    with app.app_context():
        worker.beat("host:1")
    return app


def _levels(app, **kw):
    with app.app_context():
        findings = doctor.examine(app, **kw)
        db.session.rollback()
    return {f.check: f.level for f in findings}, findings


def test_a_production_that_lacks_nothing_passes(ready):
    levels, findings = _levels(ready, web_workers=4)
    assert set(levels.values()) == {doctor.OK}, findings
    assert not doctor.unsafe(findings)


@pytest.mark.parametrize("case", BROKEN)
def test_each_thing_taken_away_is_named(ready, monkeypatch, case):
    change, check = BROKEN[case]
    for key, value in change.items():
        monkeypatch.setitem(ready.config, key, value)
    levels, findings = _levels(ready, web_workers=4)
    assert levels[check] == doctor.FAIL, findings
    assert doctor.unsafe(findings)


def test_rate_limits_in_memory_are_only_a_warning_for_one_worker(ready, monkeypatch):
    monkeypatch.setitem(ready.config, "RATELIMIT_STORAGE_URI", "memory://")
    levels, findings = _levels(ready, web_workers=1)
    assert levels["rate limits"] == doctor.WARN and not doctor.unsafe(findings)


def test_a_silent_worker_and_an_old_backup_fail(ready, tmp_path):
    later = utcnow() + timedelta(hours=30)
    levels, _ = _levels(ready, now=later)
    assert levels["job worker"] == doctor.FAIL and levels["backups"] == doctor.FAIL
    for path in tmp_path.iterdir():
        path.unlink()
    levels, _ = _levels(ready)
    assert levels["backups"] == doctor.FAIL


def test_the_command_exits_1_when_unsafe_and_prints_no_secret(ready, monkeypatch):
    runner = ready.test_cli_runner()
    result = runner.invoke(args=["doctor", "--web-workers", "2"])
    assert result.exit_code == 0, result.output
    assert "Ready for production." in result.output
    monkeypatch.setitem(ready.config, "MAIL_BACKEND", "log")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL  mail" in result.output
    for secret in (ready.config["SECRET_KEY"], GOOD["SMTP_PASSWORD"],
                   ready.config["DATA_KEYS"].partition(":")[2]):
        assert secret not in result.output
