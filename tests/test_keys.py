"""Key rotation: every encrypted value moves to the new key, in resumable batches, and
reads the same afterwards; the old key keeps working until the end."""

from __future__ import annotations

import pytest

from grants.config import new_data_key
from grants.extensions import db
from grants.models import Application, Organisation
from grants.security import keys
from grants.security.crypto import Keyring

CONTACT = "Signal +57 300 000 0000"


@pytest.fixture
def rotated(app):
    """Make a new key current, keeping the test's key readable; restore afterwards."""
    before = app.extensions["grants.keyring"]
    old = app.config["DATA_KEYS"]
    app.extensions["grants.keyring"] = Keyring.parse(new_data_key("k2") + "," + old)
    yield
    app.extensions["grants.keyring"] = before


def _under(app) -> set[str]:
    with app.app_context():
        return {kid for tally in keys.status().values() for kid in tally}


def test_rotation_moves_every_value_to_the_new_key(app, world, rotated):
    assert _under(app) == {"t1"}
    with app.app_context():
        application = db.session.get(Application, world.submitted.id)
        application.threat_description = "Followed home"
        db.session.commit()
        done = keys.rotate(batch_size=2)
    assert done["organisations.contact_details"] == 1  # the one written under t1
    assert "applications.threat_description" not in done  # written under k2 already
    assert _under(app) == {"k2"}
    with app.app_context():
        assert db.session.get(Organisation, world.org.id).contact_details == CONTACT
        assert db.session.get(Application, world.submitted.id).threat_description == \
            "Followed home"
        assert keys.rotate() == {}  # nothing left to do


def test_an_interrupted_rotation_goes_on_where_it_stopped(app, world, rotated):
    class Stop(Exception):
        pass

    def stop_after_first(column, count):
        if count:
            raise Stop(column)

    with app.app_context():
        with pytest.raises(Stop):
            keys.rotate(batch_size=1, progress=stop_after_first)
        db.session.rollback()
    assert _under(app) == {"t1", "k2"}  # half done: both keys read
    with app.app_context():
        assert db.session.get(Organisation, world.org.id).contact_details == CONTACT
        keys.rotate(batch_size=1)
    assert _under(app) == {"k2"}


def test_a_value_without_its_key_is_refused_not_guessed(app, world):
    app_ring = app.extensions["grants.keyring"]
    app.extensions["grants.keyring"] = Keyring.parse(new_data_key("k9"))
    try:
        with app.app_context(), pytest.raises(Exception, match="no key 't1'"):
            keys.rotate()
    finally:
        app.extensions["grants.keyring"] = app_ring


def test_the_commands(app, runner, world, rotated):
    assert runner.invoke(args=["keys", "new", "k3"]).output.startswith("k3:")
    status = runner.invoke(args=["keys", "status"]).output
    assert "Current key: k2" in status and "organisations.contact_details: t1=" in status
    result = runner.invoke(args=["keys", "rotate", "--batch", "3"])
    assert result.exit_code == 0 and "re-encrypted" in result.output
    assert "t1=" not in runner.invoke(args=["keys", "status"]).output
