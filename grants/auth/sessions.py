"""Glue between the signed cookie and server-side sessions (web layer only).

The cookie holds a random token; the database holds its hash, so logging out, changing a
password or an admin's action ends a session everywhere. The client's IP address is not
bound to the session: mobile and Tor users change address all the time.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import g, session

from grants.auth import services
from grants.extensions import db, login_manager
from grants.models import User
from grants.models.types import utcnow

TOUCH_EVERY = timedelta(seconds=60)


def start(user: User) -> None:
    """Begin a fresh session for `user` (the old cookie content is dropped: no fixation)."""
    token = secrets.token_urlsafe(32)
    keep = {k: session[k] for k in ("lang",) if k in session}
    session.clear()
    session.update(keep)
    services.open_session(user, token)
    session["sid"] = token
    session.permanent = True


def current_session_id() -> int | None:
    s = g.get("user_session")
    return s.id if s is not None else None


def end() -> None:
    """End this session on the server and forget the cookie's content.

    The session is found from the cookie's token, not from the signed-in user: a public
    route (quick exit, log out) may run without anything having loaded the user (the
    language chooser's cookie spares the locale from asking), and the session must end
    all the same, or cookies saved before the exit would still open it.
    """
    s = g.pop("user_session", None)
    token = session.get("sid")
    if s is None and token:
        s = services.live_session(token)
    if s is not None:
        s.ended_at = utcnow()
    session.clear()


@login_manager.request_loader
def _load(_request) -> User | None:
    token = session.get("sid")
    if not token:
        return None
    s = services.live_session(token)
    if s is None:
        # Remember whose session lapsed, so a form posted now can be kept for them.
        g.lapsed_user_id = services.session_owner(token)
        session.pop("sid", None)
        return None
    now = utcnow()
    if now - s.last_seen_at > TOUCH_EVERY:
        s.last_seen_at = now
        try:
            db.session.commit()  # a small write, so idle time is counted across requests
        except sa.exc.OperationalError:
            # SQLite, a page being read: another worker wrote since this request's first
            # read, so this transaction may not write. The next request records the time.
            db.session.rollback()
            s = services.live_session(token)
            if s is None:
                return None
    g.user_session = s
    return s.user
