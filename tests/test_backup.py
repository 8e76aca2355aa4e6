"""Backups that restore: a backup of a real database (committed rows, encrypted fields,
audit events) restores into a fresh one and passes its checks; a check fails, naming what,
for the wrong keys, a tampered audit entry and a database behind the code; a non-empty
target is refused without --yes.

Each database here is the test's own, outside the suite's rolled-back transaction: a
SQLite file, and on PostgreSQL (TEST_DATABASE_URL's server, or one answering at
127.0.0.1:5432) databases created for the test and dropped after it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask

from grants import ROOT, create_app
from grants.config import database_url, new_data_key
from grants.extensions import db
from grants.models import Organisation
from grants.ops import backup
from grants.security import audit
from tests import factories
from tests.conftest import TEST_DATABASE_URL

CONTACT = "Signal +57 300 000 0000"  # the world's organisation's encrypted contact details
KEYS = new_data_key("b1")


def _postgres_server() -> str | None:
    """The PostgreSQL server to make databases on, if one answers."""
    url = database_url(TEST_DATABASE_URL or "postgresql://postgres@127.0.0.1:5432/postgres")
    if not url.startswith("postgresql"):
        return None
    engine = sa.create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return url
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


SERVER = _postgres_server()
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    SERVER is None, reason="no PostgreSQL server answers"))]


def _config(url: str, keys: str, folder: Path) -> dict:
    return {"TESTING": True, "SECRET_KEY": "x" * 40, "DATA_KEYS": keys,
            "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
            "BACKUP_DIR": str(folder), "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_PARALLELISM": 1}


def _pg_databases() -> set[str]:
    engine = sa.create_engine(SERVER)
    with engine.connect() as conn:
        names = set(conn.scalars(sa.text("SELECT datname FROM pg_database")))
    engine.dispose()
    return names


class Databases:
    """Empty databases and apps on them, removed at the end."""

    def __init__(self, folder: Path):
        self.folder, self.apps, self.pg_names = folder, [], []

    def new(self, kind: str) -> str:
        name = f"backup_test_{secrets.token_hex(4)}"
        if kind == "sqlite":
            return f"sqlite:///{self.folder / name}.sqlite3"
        admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        admin.dispose()
        self.pg_names.append(name)
        return sa.make_url(SERVER).set(database=name).render_as_string(hide_password=False)

    def app(self, url: str, keys: str = KEYS, folder: Path | None = None) -> Flask:
        made = create_app(_config(url, keys, folder or self.folder / "backups"))
        self.apps.append(made)
        return made

    def close(self) -> None:
        for made in self.apps:
            with made.app_context():
                db.engine.dispose()
        if self.pg_names:
            admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in self.pg_names:
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


@pytest.fixture(scope="module", params=KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def source(kind, tmp_path_factory):
    """A migrated database with the world's rows and audit events, committed, and its
    backup: built once per kind for the module (the tests only read them)."""
    dbs = Databases(tmp_path_factory.mktemp("source"))
    url = dbs.new(kind)
    app = dbs.app(url)
    with app.app_context():
        flask_migrate.upgrade()
        world = factories.world()
        for n in range(3):
            audit.record(world.officer, "backup.test", world.org, n=n)
        db.session.commit()
        made = backup.make(db.engine.url, backup.backup_dir(app))
    yield app, url, made, dbs
    dbs.close()


@pytest.fixture
def databases(tmp_path):
    dbs = Databases(tmp_path)
    yield dbs
    dbs.close()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in db.metadata.sorted_tables}
    engine.dispose()
    return counts


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_backup_restores_into_a_fresh_database_and_passes_its_checks(source, databases):
    app, url, made, _ = source
    target = databases.new(made.kind)
    result = _run(app, "restore", str(made.path), "--into", target)
    assert result.exit_code == 0, result.output
    assert "Migrations: at head" in result.output
    events = _counts(url)["audit_events"]
    assert events >= 3 and f"Audit chain: intact ({events} entries)" in result.output
    assert "decrypt (key ids: b1)" in result.output
    assert _counts(target) == _counts(url)
    with databases.app(target).app_context():  # the portal reads the restored rows
        contacts = set(db.session.scalars(sa.select(Organisation.contact_details)))
        assert CONTACT in contacts
        assert audit.verify_chain() is None


def test_the_backup_is_private_and_named_by_its_time_and_kind(source):
    app, _url, made, _ = source
    assert made.path.name == f"grants-{made.made_at:%Y%m%dT%H%M%SZ}-{made.kind}." + (
        "sqlite3" if made.kind == "sqlite" else "dump")
    assert abs(datetime.now(UTC) - made.made_at) < timedelta(minutes=10)
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in made.path.parent.iterdir()] == [made.path.name]  # no .partial
    assert backup.kind_of_file(made.path) == made.kind
    assert backup.latest(app) == made.made_at


def test_latest_is_the_newest_whole_backup_by_the_time_in_its_name(tmp_path):
    app = Flask(__name__)
    app.config["BACKUP_DIR"] = str(tmp_path / "none yet")
    assert backup.latest(app) is None
    app.config["BACKUP_DIR"] = str(tmp_path)
    for name in ("grants-20260101T000000Z-sqlite.sqlite3",
                 "grants-20260301T120000Z-postgresql.dump",
                 "grants-20270101T000000Z-postgresql.dump.partial",  # unfinished
                 "grants-20270101T000000Z-postgresql.sqlite3",  # kind and suffix disagree
                 "grants-20260101T000000Z.dump", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "grants-20270202T000000Z-sqlite.sqlite3").touch()  # empty: not a backup
    os.utime(tmp_path / "grants-20260101T000000Z-sqlite.sqlite3")  # newest on disk: no matter
    assert backup.latest(app) == datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_weekly_check_restores_into_a_throwaway_database(source, monkeypatch):
    app, url, made, _ = source
    before = _counts(url)
    # The throwaway databases' names carry a mark of this test's own (other tests, and CI's
    # other suite, make and drop theirs on the same server meanwhile).
    mark, token_hex = secrets.token_hex(3), secrets.token_hex
    monkeypatch.setattr(backup.secrets, "token_hex", lambda n: mark + token_hex(n)[6:])
    for args in (["backup", "check", str(made.path)], ["backup", "check"],
                 ["restore", str(made.path), "--check-only"]):
        result = _run(app, *args)
        assert result.exit_code == 0, result.output
        assert f"Restored {made.path.name} into a throwaway database" in result.output
        assert "Audit chain: intact" in result.output
    assert _counts(url) == before  # the live database untouched
    if made.kind == "postgresql":  # the throwaway databases are dropped
        assert not {d for d in _pg_databases() if d.startswith(f"grants_check_{mark}")}


@pytest.mark.parametrize("keys", [new_data_key("k9"), new_data_key("b1")],
                         ids=["key missing", "another key under the same id"])
def test_the_wrong_data_keys_fail_the_check_naming_the_column(source, databases, keys):
    _app, url, made, _ = source
    other = databases.app(url, keys=keys)
    result = _run(other, "backup", "check", str(made.path))
    assert result.exit_code == 1
    assert "keys: organisations.contact_details:" in result.output
    assert "under key 'b1' do not decrypt" in result.output
    why = "not in DATA_KEYS" if keys.startswith("k9") else "is another"
    assert why in result.output
    assert CONTACT not in result.output and "Signal" not in result.output


def test_a_tampered_audit_entry_fails_the_chain_check(source, databases):
    app, _url, made, _ = source
    target = databases.new(made.kind)
    assert _run(app, "restore", str(made.path), "--into", target).exit_code == 0
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        second = conn.scalar(sa.text("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 1"))
        conn.execute(sa.text("UPDATE audit_events SET action = 'nothing.here' WHERE id = :id"),
                     {"id": second})
    engine.dispose()
    restored = databases.app(target, folder=databases.folder / "from-restored")
    assert _run(restored, "backup").exit_code == 0
    result = _run(restored, "backup", "check")
    assert result.exit_code == 1
    assert f"audit chain broken at entry {second}" in result.output
    assert "keys:" not in result.output  # the rest holds


@pytest.mark.parametrize("kind", KINDS, indirect=True)
def test_a_database_behind_the_code_is_not_at_head(kind, databases):
    url = databases.new(kind)
    behind = databases.app(url)
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    (head,) = script.get_heads()
    previous = script.get_revision(head).down_revision
    with behind.app_context():
        flask_migrate.upgrade(revision=previous)
        made = backup.make(db.engine.url, backup.backup_dir(behind))
    result = _run(behind, "restore", str(made.path), "--check-only")
    assert result.exit_code == 1
    assert f"the database is at {previous}, the code's head is {head}" in result.output


def test_a_target_that_holds_tables_is_refused_without_yes(source, databases):
    app, url, made, _ = source
    before = _counts(url)
    refused = _run(app, "restore", str(made.path))  # into the portal's own database
    assert refused.exit_code == 1
    assert "is not empty" in refused.output and "--yes" in refused.output
    assert _counts(url) == before
    target = databases.new(made.kind)
    assert _run(app, "restore", str(made.path), "--into", target).exit_code == 0
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE stray (x INTEGER)"))
        conn.execute(sa.text("DELETE FROM audit_events"))
    engine.dispose()
    assert _run(app, "restore", str(made.path), "--into", target).exit_code == 1
    replaced = _run(app, "restore", str(made.path), "--into", target, "--yes")
    assert replaced.exit_code == 0, replaced.output
    assert _counts(target) == before
    engine = sa.create_engine(target)
    assert "stray" not in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_a_file_that_is_no_backup_and_a_backup_of_another_kind_are_refused(source, tmp_path):
    app, _url, made, _ = source
    junk = tmp_path / "grants-20260101T000000Z-sqlite.sqlite3"
    junk.write_bytes(b"not a database at all")
    result = _run(app, "restore", str(junk), "--check-only")
    assert result.exit_code == 1 and "neither a SQLite backup nor a pg_dump" in result.output
    if made.kind == "postgresql":
        other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
        result = _run(app, "restore", str(made.path), "--into", other)
        assert result.exit_code == 1
        assert "is a postgresql backup; the target is sqlite" in result.output


def test_sqlite_is_backed_up_while_another_connection_writes(source, tmp_path):
    """The online backup copies what is committed, and does not wait for a writer."""
    app, url, made, _ = source
    if made.kind != "sqlite":
        pytest.skip("SQLite's online backup")
    with closing(sqlite3.connect(sa.make_url(url).database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE audit_events SET action = 'uncommitted' WHERE id = 1")
        copy = backup.make(url, tmp_path / "during")
        writer.execute("ROLLBACK")
    with app.app_context():
        report = backup.check(copy.path, url)
    assert report.ok, report.problems
    assert report.audit_events == _counts(url)["audit_events"]


@pytest.mark.skipif(SERVER is None, reason="no PostgreSQL server answers")
def test_the_password_reaches_pg_dump_in_its_environment_only(databases, monkeypatch):
    password = "pw-" + secrets.token_hex(8)  # the local server trusts; it is only carried
    url = sa.make_url(databases.new("postgresql")).set(password=password)
    app = databases.app(url.render_as_string(hide_password=False))
    with app.app_context():
        flask_migrate.upgrade()
    seen = []
    real_run = backup.subprocess.run

    def spy(argv, **kwargs):
        seen.append((argv, kwargs["env"].get("PGPASSWORD")))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    made = _run(app, "backup")
    assert made.exit_code == 0, made.output
    missing = url.set(database="no_such_database").render_as_string(hide_password=False)
    path = backup.newest(backup.backup_dir(app))
    failed = _run(app, "restore", str(path), "--into", missing)
    assert failed.exit_code == 1 and "no_such_database" in failed.output
    assert seen and all(password not in " ".join(argv) and env == password
                        for argv, env in seen)
    assert password not in made.output + failed.output
