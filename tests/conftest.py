"""Test fixtures: one app and schema per run (built by the migrations), each test inside a
transaction rolled back at its end, and helpers to act as each kind of user.

Set TEST_DATABASE_URL to run on PostgreSQL (its public schema is dropped and rebuilt).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import flask_migrate
import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir

from grants import ROOT, create_app
from grants.config import new_data_key
from grants.extensions import db
from grants.models import User
from grants.security import ratelimit
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _test_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-1234567890",
        "DATA_KEYS": new_data_key("t1"),
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,  # tests/test_security.py turns it on to test it
        "RATELIMIT_STORAGE_URI": "memory://",
        # Jobs wait in the outbox; the `outbox` fixture runs the worker's sweep when read.
        "JOBS_BROKER_URL": "memory://",
        # Cheap hashing keeps the suite fast; production uses argon2id's defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
    }


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own, `<name>_gw0` and so on,
    created if missing; without xdist the URL is used as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text("CREATE DATABASE " + conn.dialect.identifier_preparer.quote(name)))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        from grants import config

        url = _worker_database(config.database_url(TEST_DATABASE_URL))
        _reset_postgres(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(_test_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _engine() -> sa.Engine:
    """The real engine, also while a test has bound the session to a connection."""
    bound = db.engines[None]
    return bound.engine if isinstance(bound, sa.Connection) else bound


def _bind(connection) -> None:
    db.engines[None] = connection
    db.session.remove()
    db.session.configure(join_transaction_mode="create_savepoint")


@pytest.fixture(scope="module")
def _module_connection(app):
    """One connection and outer transaction for a module that shares a world (see below)."""
    with app.app_context():
        engine = _engine()
        connection = engine.connect()
        outer = connection.begin()
    yield connection
    with app.app_context():
        db.session.remove()
        outer.rollback()
        connection.close()
        db.engines[None] = engine


@pytest.fixture(autouse=True)
def _transaction(app, request):
    """Run the test inside one outer transaction; sessions commit to savepoints in it.

    A test using `shared_world` runs in a savepoint of its module's transaction instead, so
    the world built once for the module is there and whatever the test changes is undone.
    """
    shared = "shared_world" in request.fixturenames
    with app.app_context():
        engine = _engine()
        if shared:
            connection = request.getfixturevalue("_module_connection")
            outer = connection.begin_nested()
        else:
            connection = engine.connect()
            outer = connection.begin()
        _bind(connection)
    ratelimit.reset()
    yield
    with app.app_context():
        db.session.remove()
        outer.rollback()
        if not shared:
            connection.close()
            db.engines[None] = engine


def run_jobs(rounds: int = 5) -> dict[str, int]:
    """Commit what the test did so far (the request's commit), then run the worker's sweep
    until no job it ran wrote another that is due (a transfer's job writes notices); the
    outcomes, counted. Needs an app context."""
    from grants.jobs import worker

    db.session.commit()
    tally: dict[str, int] = {}
    for _ in range(rounds):
        done = worker.sweep()
        for state, n in done.items():
            tally[state] = tally.get(state, 0) + n
        if not done.get("done"):
            break
    return tally


class Mailbox(list):
    """The e-mails the job worker delivered. Reading it first runs the worker's sweep over
    the outbox, as the worker would after the request's commit: a notice written in a
    transaction that was rolled back is never delivered."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def deliver(self) -> None:
        """Commit what the test did so far, then run the jobs that are due (`run_jobs`)."""
        from flask import has_app_context

        if has_app_context():
            run_jobs()
            return
        with self.app.app_context():
            run_jobs()

    def _read(name):
        def read(self, *args):
            self.deliver()
            return getattr(list, name)(self, *args)
        return read

    for _name in ("__iter__", "__len__", "__getitem__", "__eq__", "__repr__", "__contains__"):
        locals()[_name] = _read(_name)
    del _name, _read


@pytest.fixture
def outbox(app):
    """Notices are kept in memory for the test to read instead of being logged."""
    app.config["MAIL_BACKEND"] = "memory"
    box = app.extensions["grants.outbox"] = Mailbox(app)
    yield box
    app.config["MAIL_BACKEND"] = "log"
    app.extensions["grants.outbox"] = []


@contextmanager
def count_queries(app):
    """The SQL statements the test's connection runs inside the block."""
    with app.app_context():
        connection = db.engines[None]
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(connection, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(connection, "before_cursor_execute", before)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Sign a test client in as a user, through a real server-side session."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def login(self, user) -> None:
        import secrets

        from grants.auth import services

        token = secrets.token_urlsafe(16)
        with self.app.app_context():
            services.open_session(db.session.get(User, user.id), token)  # as stored now
            db.session.commit()
        with self.client.session_transaction() as s:
            s["sid"] = token
            s.permanent = True

    def logout(self) -> None:
        with self.client.session_transaction() as s:
            s.clear()


@pytest.fixture
def auth(app, client) -> Auth:
    return Auth(app, client)


def _built_world():
    w = factories.world()
    db.session.commit()
    for obj in vars(w).values():
        db.session.refresh(obj)  # load columns so ids etc. stay readable once detached
    return w


@pytest.fixture
def world(app):
    """One of each kind of user and an organisation each, for access tests."""
    with app.app_context():
        return _built_world()


@pytest.fixture(scope="module")
def shared_world(app, _module_connection):
    """The same world, built once per module for tests that only read it or whose changes
    are rolled back with their savepoint (the authorization matrix: hundreds of cases).
    Every test of such a module must use it: SQLite lets one connection write at a time."""
    with app.app_context():
        _bind(_module_connection)
        w = _built_world()
        db.session.remove()
        return w


@pytest.fixture(scope="module")
def form_index(app, shared_world):
    """role -> action path -> fields, from every page of the matrix the role may read (the
    forms posted to by tests/test_fuzz.py and tests/test_ids_range.py)."""
    from tests.post_cases import index_forms  # not at the top: it imports Auth from here

    return index_forms(app, shared_world)


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    """Every message the code and templates ask for, extracted as `make messages` does."""
    method_map = [("grants/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                "lazy_gettext": None, "ServiceError": None,
                "PluralError": (1, 2), "N_": None, "Problem": (2,)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found
