"""The schema: migrations match the models; encrypted fields hold no plaintext."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants.config import new_data_key
from grants.extensions import db
from grants.models import (
    Application,
    BudgetCategory,
    BudgetLine,
    Call,
    CallType,
    Organisation,
    User,
)
from grants.security.crypto import CryptoError, Keyring
from tests import factories


def test_migrations_match_models(app):
    """The schema the migrations built is exactly what the models describe."""
    with app.app_context():
        mc = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == []


def test_every_model_table_exists(app):
    with app.app_context():
        names = set(sa.inspect(db.session.connection()).get_table_names())
    assert set(db.metadata.tables) <= names
    assert "alembic_version" in names


def _application(org: Organisation, **fields) -> Application:
    call = Call(fund=factories.fund(), call_type=CallType.OPEN, currency="USD",
                amount_max_minor=100_000)
    application = Application(call=call, organisation=org, code_name=f"T-{org.id}",
                              country="CO", currency="USD", **fields)
    db.session.add(application)
    db.session.flush()
    return application


def test_encrypted_fields_round_trip(app):
    with app.app_context():
        owner = factories.user()
        owner.email = "defender@example.org"
        org = factories.organisation(owner, contact_details="Signal +57 300 123 4567")
        application = _application(org, focus_populations=["indigenous women", "youth"])
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Organisation, org.id).contact_details == "Signal +57 300 123 4567"
        assert db.session.get(User, owner.id).email == "defender@example.org"
        assert db.session.get(Application, application.id).focus_populations == [
            "indigenous women", "youth"]


def test_raw_database_holds_no_plaintext(app):
    """Read every column of every table as stored and look for the sensitive strings."""
    markers = ["mayor's men", "+57 300 999", "CO12 3456", "JBSWY3DPEHPK3PXP", "defender@",
               "indigenous women"]
    with app.app_context():
        owner = factories.user()
        owner.totp_secret, owner.email = "JBSWY3DPEHPK3PXP", "defender@example.org"
        org = factories.organisation(owner, contact_details="+57 300 999 1111",
                                     registration_number="CO12 3456")
        _application(org, threat_description="the mayor's men", safe_contact="+57 300 999 2222",
                     focus_populations=["indigenous women"])
        db.session.commit()
        conn = db.session.connection()
        seen = 0
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.text(f"SELECT * FROM {table.name}")).all():  # noqa: S608
                seen += 1
                stored = repr(tuple(row))
                for marker in markers:
                    assert marker not in stored, (table.name, marker)
        assert seen > 5


def test_ciphertext_is_bound_to_its_column():
    ring = Keyring.parse(new_data_key("k1"))
    blob = ring.encrypt(b"secret", "organisations.contact_details")
    assert ring.decrypt(blob, "organisations.contact_details") == b"secret"
    with pytest.raises(CryptoError):
        ring.decrypt(blob, "users.email")


def test_tampered_ciphertext_is_refused():
    ring = Keyring.parse(new_data_key("k1"))
    blob = bytearray(ring.encrypt(b"secret", "t.c"))
    blob[-1] ^= 1
    with pytest.raises(CryptoError):
        ring.decrypt(bytes(blob), "t.c")


def test_each_value_gets_its_own_nonce():
    ring = Keyring.parse(new_data_key("k1"))
    assert ring.encrypt(b"same", "t.c") != ring.encrypt(b"same", "t.c")


def test_old_key_still_decrypts_once_a_new_key_leads():
    old, new = new_data_key("old"), new_data_key("new")
    blob = Keyring.parse(old).encrypt(b"kept", "t.c")
    both = Keyring.parse(f"{new},{old}")
    assert both.decrypt(blob, "t.c") == b"kept"
    assert Keyring.key_id_of(both.encrypt(b"x", "t.c")) == "new"
    with pytest.raises(CryptoError):
        Keyring.parse(new).decrypt(blob, "t.c")


@pytest.mark.parametrize("spec", ["", "nokey", "k1:not-base64!!", "k1:" + "A" * 8])
def test_malformed_keys_are_refused(spec):
    with pytest.raises(CryptoError):
        Keyring.parse(spec)


def test_budget_line_belongs_to_exactly_one_owner(app):
    with app.app_context():
        db.session.add(BudgetLine(category=BudgetCategory.OTHER, amount_minor=1, currency="USD"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_money_columns_refuse_negative_amounts(app):
    with app.app_context():
        org = factories.organisation(factories.user())
        with pytest.raises(sa.exc.IntegrityError):
            _application(org, amount_requested_minor=-1)
        db.session.rollback()


def test_migrations_go_down_and_up_again_on_an_empty_database(tmp_path):
    """Every migration's downgrade works, so a bad release can be rolled back."""
    import flask_migrate

    from grants import create_app

    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}",
                        "SECRET_KEY": "x" * 40, "DATA_KEYS": new_data_key()})
    with other.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert set(db.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_the_embedded_database_runs_in_wal_mode(app):
    """Readers must not block writers: a slow page would hold up every session refresh."""
    import sqlalchemy as sa

    from grants.extensions import db

    with app.app_context():
        if db.session.get_bind().dialect.name != "sqlite":
            return
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
