"""At rest: what groups type is encrypted (names, titles, budget lines, purposes), also in
databases made before; lists still come in name order; the SQLite file is its owner's only.

The migration runs on a database of its own: a SQLite file, or on PostgreSQL a schema of
the test database (TEST_DATABASE_URL) made for the test and dropped after it.
"""

from __future__ import annotations

import os
import re
import stat
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa

from grants import create_app
from grants.config import new_data_key
from grants.extensions import db
from grants.models import (
    Application,
    BudgetLine,
    Organisation,
    OrgKind,
    SubGrant,
    User,
    WebAuthnCredential,
)
from grants.models.types import EncryptedText
from tests import factories
from tests.conftest import TEST_DATABASE_URL, count_queries

BEFORE = "5e1c0a7d2b94"  # the revision before the names were encrypted
ENCRYPTED = [(Organisation, "name"), (Application, "title"), (BudgetLine, "description"),
             (SubGrant, "purpose"), (WebAuthnCredential, "name")]


def _config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40,
            "DATA_KEYS": new_data_key(), "TESTING": True, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the test's own, on the database the suite runs on."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    from grants.config import database_url

    base = database_url(TEST_DATABASE_URL)
    schema = f"at_rest_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def _raw(model, column: str) -> list:
    table = model.__table__.name
    return [r[0] for r in db.session.execute(sa.text(
        f"SELECT {column} FROM {table} ORDER BY id"))]  # noqa: S608  # nosec B608


def _as_bytes(value) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def test_the_columns_groups_type_are_encrypted():
    for model, column in ENCRYPTED:
        assert isinstance(model.__table__.c[column].type, EncryptedText), (model, column)


def test_an_encrypted_column_cannot_be_compared_in_sql():
    """A comparison would silently match nothing (each value has its own nonce)."""
    with pytest.raises(TypeError, match="encrypted"):
        sa.select(Organisation).where(Organisation.name == "Night Watch")
    with pytest.raises(TypeError, match="encrypted"):
        Application.title.contains("radio")
    assert str(Organisation.name.is_(None)) == "organisations.name IS NULL"


def test_the_migration_encrypts_what_was_in_clear_and_back(fresh_url):
    """Rows written before the migration are encrypted by it (and decrypted by its
    downgrade); the portal then reads them as they were typed."""
    other = create_app(_config(fresh_url))
    with other.app_context():
        if TEST_DATABASE_URL:  # its own schema, never the suite's
            assert db.session.scalar(sa.text("SELECT current_schema()")).startswith("at_rest_")
        flask_migrate.upgrade()
        world = factories.world()
        key = WebAuthnCredential(user_id=world.applicant.id, credential_id=b"k1",
                                 public_key=b"p", name="blue key")
        db.session.add(key)
        world.org.name = "Rivers Collective"
        db.session.commit()
        typed = {(m, c): [getattr(o, c) for o in db.session.scalars(
            sa.select(m).order_by(m.id))] for m, c in ENCRYPTED}
        assert all(typed.values())
        db.session.remove()

        flask_migrate.downgrade(revision=BEFORE)
        for (model, column), values in typed.items():
            assert _raw(model, column) == values, (model, column)  # in clear again
        db.session.remove()

        flask_migrate.upgrade()
        for (model, column), values in typed.items():
            raw = [_as_bytes(v) for v in _raw(model, column)]
            assert not [v for v in values if v and any(v.encode() in r for r in raw)]
            assert [getattr(o, column) for o in db.session.scalars(
                sa.select(model).order_by(model.id))] == values
        db.session.remove()
        db.engine.dispose()


def test_lists_of_groups_come_in_name_order(app, client, auth, world):
    """Sorted in Python now that SQL cannot: the staff's list (paged), a member's home."""
    with app.app_context():
        names = ["zebra Collective", "Árbol Vivo", "alba Network", "Mtaa Watch"]
        applicant = db.session.get(User, world.applicant.id)
        for name in names:
            factories.organisation(applicant, name=name)
        db.session.commit()
        every = [o.id for o in sorted(db.session.scalars(sa.select(Organisation)),
                                      key=lambda o: (o.name.casefold(), o.id))]
    auth.login(world.officer)
    page = client.get("/orgs/").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'<td><a href="/orgs/(\d+)"', page)]
    assert shown and shown == every[:len(shown)]
    auth.login(world.applicant)
    page = client.get("/").get_data(as_text=True)
    positions = [page.find(n) for n in sorted(names, key=str.casefold)]
    assert -1 not in positions and positions == sorted(positions)


def test_a_page_of_groups_is_the_slice_of_the_whole_sorted_list(app):
    from grants.organisations.queries import by_name, name_page

    with app.app_context():
        for i in range(7):
            factories.organisation(name=f"Group {(i * 5) % 7}", kind=OrgKind.REGISTERED_NGO)
        db.session.flush()
        select = sa.select(Organisation).where(Organisation.kind == OrgKind.REGISTERED_NGO)
        whole = sorted(db.session.scalars(select), key=by_name)
        with count_queries(app) as statements:
            pages = [name_page(select, n, 3) for n in (1, 2, 3, 4)]
        # Two statements a page (every id and name, then the page's organisations); one for
        # a page past the end.
        assert len(statements) == 2 * 3 + 1
        assert [o.id for p in pages for o in p.items] == [o.id for o in whole]
        assert pages[0].total == len(whole) and pages[3].items == []


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the embedded database is SQLite's")
def test_a_fresh_sqlite_database_and_its_wal_are_its_owners_only(tmp_path):
    """Under the usual umask (022) SQLite would make the file readable by everyone."""
    path = tmp_path / "grants.sqlite3"
    old = os.umask(0o022)
    try:
        other = create_app(_config(f"sqlite:///{path}"))
        with other.app_context():
            flask_migrate.upgrade()
        assert other.test_client().get("/readyz").status_code == 200
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {
            f.name: "0o600" for f in files}
        with other.app_context():
            db.engine.dispose()
    finally:
        os.umask(old)


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the embedded database is SQLite's")
def test_an_older_database_file_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "grants.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    other = create_app(_config(f"sqlite:///{path}"))
    assert other.test_client().get("/readyz").status_code == 200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with other.app_context():
        db.engine.dispose()
