"""grants/auth/queries.py against the plain query it stands for (house style 16): the same
session with the same user, in one statement, for a live, an ended and an unknown token."""

from __future__ import annotations

import sqlalchemy as sa

from grants.auth import queries, services
from grants.extensions import db
from grants.models import User, UserSession
from grants.models.types import utcnow
from tests.conftest import count_queries


def _plain(token_hash: str) -> UserSession | None:
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == token_hash))


def test_the_session_statement_returns_what_the_plain_query_returns(app, world):
    with app.app_context():
        user = db.session.get(User, world.applicant.id)
        live = services.open_session(user, "a-live-token")
        ended = services.open_session(user, "an-ended-token")
        ended.ended_at = utcnow()
        db.session.commit()
        hashes = [services.token_hash(t) for t in ("a-live-token", "an-ended-token", "none")]
        plain = [_plain(h) for h in hashes]
        plain_ids = [(s.id, s.user_id, s.ended_at) if s else None for s in plain]
        db.session.expunge_all()
        for token_hash, expected in zip(hashes, plain_ids, strict=True):
            with count_queries(app) as statements:
                found = queries.session_by_hash(token_hash)
                seen = (found.id, found.user.id, found.ended_at) if found else None
            assert seen == expected
            assert len(statements) == 1, statements  # the user comes with its session
        assert plain[0].id == live.id and plain[2] is None
