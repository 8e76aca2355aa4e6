"""Backups that restore: made with the database's own tools, restored, then checked.

PostgreSQL is dumped with pg_dump's custom format and restored with pg_restore; SQLite is
copied with its online backup API, which takes a consistent copy while the portal writes.
A backup is written as `<name>.partial` (mode 0600, in a 0700 folder) and renamed once
complete, so a file named like a backup is a whole one: `latest` reads the time in the
newest name. The connection URL's password goes to pg_dump and pg_restore in PGPASSWORD,
never on their command line, and no message shows it (a URL is printed with it masked).

A restored database is checked (`verify`): its migrations are at the code's head, the
audit chain holds, and a sample of every encrypted column decrypts with DATA_KEYS. `check`
restores into a throwaway database (a temporary SQLite file, or a PostgreSQL database
created and dropped on the portal's server) and runs the checks: the live one is untouched.
The keys are not in a backup: see README, "Backups".
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, argument lists, no shell  # nosec B404
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy.orm import Session

from grants.config import database_url
from grants.models.types import keyring, utcnow
from grants.security import dbfile
from grants.security.audit import verify_chain
from grants.security.crypto import CryptoError, Keyring
from grants.security.keys import EncryptedColumn, encrypted_columns

log = logging.getLogger(__name__)

SQLITE, POSTGRESQL = "sqlite", "postgresql"
SUFFIXES = {SQLITE: "sqlite3", POSTGRESQL: "dump"}
MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
NAME = re.compile(r"^grants-(\d{8}T\d{6}Z)-(sqlite|postgresql)\.(sqlite3|dump)$")
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
SAMPLE = 20  # encrypted values read per column: the oldest half and the newest half


class BackupError(Exception):
    """A backup, restore or check that cannot be done; the message never holds a password."""


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str
    made_at: datetime
    size: int


@dataclass
class Report:
    """What the checks of a restored database found; `problems` empty when all hold."""

    revision: str = ""
    audit_events: int = 0
    decrypted: dict[str, int] = field(default_factory=dict)  # column -> values sampled
    keys: set[str] = field(default_factory=set)  # key ids the sampled values are under
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# Names and the backup folder ------------------------------------------------------------

def backup_dir(app: Flask) -> Path:
    return Path(app.config["BACKUP_DIR"])


def file_name(kind: str, at: datetime) -> str:
    return f"grants-{at.astimezone(UTC).strftime(TIME_FORMAT)}-{kind}.{SUFFIXES[kind]}"


def made_at(name: str) -> datetime | None:
    """The UTC time in a backup's file name; None for a name that is not a backup's."""
    match = NAME.match(name)
    if not match or SUFFIXES[match[2]] != match[3]:
        return None
    return datetime.strptime(match[1], TIME_FORMAT).replace(tzinfo=UTC)


def newest(folder: Path) -> Path | None:
    """The backup in `folder` with the latest time in its name (unfinished ones skipped)."""
    if not folder.is_dir():
        return None
    found = [(at, p) for p in folder.iterdir()
             if (at := made_at(p.name)) and p.is_file() and p.stat().st_size > 0]
    return max(found)[1] if found else None


def latest(app: Flask) -> datetime | None:
    """When the newest backup in BACKUP_DIR was made (the time in its name), or None."""
    path = newest(backup_dir(app))
    return made_at(path.name) if path else None


# Databases ------------------------------------------------------------------------------

def as_url(url: str | sa.URL) -> sa.URL:
    """A URL object: printing it masks the password."""
    return url if isinstance(url, sa.URL) else sa.make_url(database_url(url))


def kind_of(url: sa.URL) -> str:
    kind = url.get_backend_name()
    if kind not in SUFFIXES:
        raise BackupError(f"{kind} databases are not supported: SQLite or PostgreSQL")
    return kind


def kind_of_file(path: Path) -> str:
    """SQLite or PostgreSQL, from the file's first bytes (whatever its name says)."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    for kind, magic in MAGIC.items():
        if head.startswith(magic):
            return kind
    raise BackupError(f"{path.name} is neither a SQLite backup nor a pg_dump custom-format file")


def _sqlite_path(url: sa.URL) -> str:
    path = dbfile.database_path(url.database)
    if not path:
        raise BackupError("an in-memory SQLite database cannot be backed up or restored into")
    return path


def _engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool, hide_parameters=True)


def _tables(engine: sa.Engine) -> list[str]:
    try:
        return sa.inspect(engine).get_table_names()
    except sa.exc.DBAPIError as exc:
        raise BackupError(f"cannot read {engine.url}: {_first_line(exc.orig)}") from None


def _first_line(error) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# pg_dump and pg_restore -----------------------------------------------------------------

def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """The URL for libpq without its password, and an environment holding it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    bare = sa.URL.create("postgresql", url.username, None, url.host, url.port, url.database,
                         url.query)  # URL.set cannot take a password away
    return bare.render_as_string(hide_password=False), env


def _run(tool: str, args: list[str], url: sa.URL, **kwargs) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} not found: install PostgreSQL's client tools")
    conninfo, env = _libpq(url)
    done = subprocess.run([program, "--no-password", f"--dbname={conninfo}", *args],  # noqa: S603  # nosec B603
                          env=env, stderr=subprocess.PIPE, check=False, **kwargs)
    if done.returncode:
        said = done.stderr.decode(errors="replace").strip()
        if url.password:
            said = said.replace(str(url.password), "***")
        raise BackupError(f"{tool} failed (exit {done.returncode}): {said}")


# Backing up -----------------------------------------------------------------------------

def make(url: str | sa.URL, folder: Path, now: datetime | None = None) -> Backup:
    """Back the database up into `folder`, named by the time and the database's kind."""
    url = as_url(url)
    kind = kind_of(url)
    at = (now or utcnow()).replace(microsecond=0)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = folder / file_name(kind, at)
    if final.exists():
        raise BackupError(f"{final.name} exists already: one backup a second")
    partial = final.with_name(final.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            if kind == POSTGRESQL:
                _run("pg_dump", ["--format=custom"], url, stdout=out)
        if kind == SQLITE:
            _sqlite_copy(f"file:{quote(_sqlite_path(url))}?mode=rw", str(partial),
                         one_file=True)
        os.rename(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    made = Backup(final, kind, at, final.stat().st_size)
    log.info("backup made: %s (%d bytes)", final.name, made.size)
    return made


def _sqlite_copy(source_uri: str, target: str, *, one_file: bool = False) -> None:
    """SQLite's online backup: a consistent copy, also while others write the source.
    `one_file` leaves the copy in rollback-journal mode: a file with no -wal beside it."""
    try:
        with closing(sqlite3.connect(source_uri, uri=True, timeout=30)) as source, \
                closing(sqlite3.connect(target, timeout=30)) as copy:
            source.backup(copy)
            if one_file:
                copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from None


# Restoring ------------------------------------------------------------------------------

def restore(path: Path, url: str | sa.URL, *, replace: bool = False) -> None:
    """Restore a backup into the database at `url`: refused if it holds tables, unless
    `replace` (then what is there goes)."""
    url = as_url(url)
    kind, target = kind_of_file(path), kind_of(url)
    if kind != target:
        raise BackupError(f"{path.name} is a {kind} backup; the target is {target}")
    if kind == SQLITE:
        dbfile.create_private(_sqlite_path(url))  # 0600 before anything writes it
    engine = _engine(url)
    try:
        tables = _tables(engine)
        if tables and not replace:
            raise BackupError(f"the target database ({url}) is not empty: it holds "
                              f"{len(tables)} tables. Pass --yes to replace its content")
        if kind == SQLITE:
            _sqlite_copy(f"file:{quote(str(path))}?mode=ro", _sqlite_path(url))
            dbfile.tighten(_sqlite_path(url))
            return
        if tables:
            _drop(engine, tables)
        _run("pg_restore", ["--no-owner", "--no-privileges", "--single-transaction",
                            "--exit-on-error", str(path)], url)
    finally:
        engine.dispose()
    log.info("backup restored: %s", path.name)


def _drop(engine: sa.Engine, tables: list[str]) -> None:
    with engine.begin() as conn:
        quoted = conn.dialect.identifier_preparer.quote
        for table in tables:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {quoted(table)} CASCADE"))


# Checking -------------------------------------------------------------------------------

def check(path: Path, server: str | sa.URL) -> Report:
    """Restore the backup into a throwaway database and check it (the weekly test that
    backups restore). A PostgreSQL backup needs a PostgreSQL server: the portal's own."""
    with scratch(kind_of_file(path), as_url(server)) as url:
        restore(path, url)
        return verify(url)


@contextmanager
def scratch(kind: str, server: sa.URL) -> Iterator[sa.URL]:
    """An empty database of `kind` for the time of the block, removed after it."""
    if kind == SQLITE:
        with tempfile.TemporaryDirectory(prefix="grants-check-") as folder:  # 0700
            yield sa.make_url("sqlite:///" + str(Path(folder) / "check.sqlite3"))
        return
    if kind_of(server) != POSTGRESQL:
        raise BackupError("checking a PostgreSQL backup needs a PostgreSQL server: run it "
                          "with DATABASE_URL set to one (a database is created and dropped)")
    name = f"grants_check_{secrets.token_hex(6)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote(name)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        raise BackupError(f"cannot make a throwaway database on {server}: "
                          f"{_first_line(exc.orig)}") from None
    try:
        yield server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()


def verify(url: str | sa.URL) -> Report:
    """Check a restored database: migrations at head, the audit chain, the data keys."""
    engine, report = _engine(as_url(url)), Report()
    try:
        present = _columns(engine)
        _check_revision(engine, report)
        with Session(engine) as session:
            _check_audit(session, present, report)
            for col in encrypted_columns():
                if col.column.name in present.get(col.table.name, ()):
                    _check_column(session, col, report)
    except sa.exc.DBAPIError as exc:
        report.problems.append(f"the database could not be read: {_first_line(exc.orig)}")
    finally:
        engine.dispose()
    return report


def _columns(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}


def _check_revision(engine: sa.Engine, report: Report) -> None:
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    report.revision = ", ".join(sorted(current))
    if current != heads:
        report.problems.append(
            f"migrations: the database is at {report.revision or 'no revision'}, the code's "
            f"head is {', '.join(sorted(heads))}. Restore with the portal's version that "
            f"made the backup, or run `flask --app grants db upgrade` on it")


def _check_audit(session: Session, present: dict, report: Report) -> None:
    if "audit_events" not in present:
        report.problems.append("audit: the database has no audit_events table")
        return
    report.audit_events = session.scalar(sa.text("SELECT count(*) FROM audit_events"))
    broken = verify_chain(session=session)
    if broken is not None:
        report.problems.append(f"audit chain broken at entry {broken.id}")


def _check_column(session: Session, col: EncryptedColumn, report: Report) -> None:
    """Decrypt a sample of the column; a failure names the column and the key id only."""
    ring, failures = keyring(), Counter()
    values = _sample(session, col)
    for blob in values:
        kid = _key_id(blob)
        report.keys.add(kid)
        try:
            ring.decrypt(blob, col.context)
        except CryptoError:
            failures[kid] += 1
    if values:
        report.decrypted[col.name] = len(values) - sum(failures.values())
    for kid, count in sorted(failures.items()):
        why = ("that key is not in DATA_KEYS" if kid not in ring.keys else
               "the key DATA_KEYS holds under that id is another, or the values are damaged")
        report.problems.append(f"keys: {col.name}: {count} of {len(values)} sampled value(s) "
                               f"under key {kid!r} do not decrypt ({why})")


def _sample(session: Session, col: EncryptedColumn) -> list[bytes]:
    """Up to SAMPLE stored values, raw: the oldest rows and the newest."""
    (pk,) = col.table.primary_key.columns
    query = sa.select(pk, sa.type_coerce(col.column, sa.LargeBinary)).where(
        col.column.is_not(None))
    rows = dict(session.execute(query.order_by(pk).limit(SAMPLE // 2)).all())
    rows.update(session.execute(query.order_by(pk.desc()).limit(SAMPLE - SAMPLE // 2)).all())
    return [v.encode() if isinstance(v, str) else bytes(v) for v in rows.values()]


def _key_id(blob: bytes) -> str:
    try:
        return Keyring.key_id_of(blob) or "?"
    except (IndexError, UnicodeDecodeError):
        return "?"
