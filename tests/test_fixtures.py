"""The shared world's isolation: what one test changes, the next does not see.

Tests run in file order, so the second test sees the first one's change if the savepoint
around each test were not rolled back.
"""

from grants.extensions import db
from grants.models import Organisation


def test_a_test_may_change_the_shared_world(app, shared_world):
    with app.app_context():
        org = db.session.get(Organisation, shared_world.org.id)
        assert not org.is_verified
        org.is_verified = True
        db.session.commit()
        assert db.session.get(Organisation, shared_world.org.id).is_verified


def test_the_next_test_sees_the_world_as_built(app, shared_world):
    with app.app_context():
        assert not db.session.get(Organisation, shared_world.org.id).is_verified

