"""Never lose what someone typed when their session or form token lapses.

A view marked `@rescuable` that receives a POST after the session went idle, or with an
expired CSRF token, does not act on it. The typed fields are kept, encrypted and bound to
the account, and the person is sent (through log-in if needed) back to the same page,
where `rescued_formdata()` puts the text back into the form with a message.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from grants.extensions import db
from grants.models import FormRescue
from grants.models.types import utcnow

KEEP_FOR = timedelta(days=2)
PARAM = "rescued"
# Why the fields were kept: a lapsed session or token, or a language changed mid-form. Kept
# as a first pair under the empty name, which no form control posts (browsers skip it).
EXPIRED, LANGUAGE = "expired", "language"
# Pages whose endpoint was renamed (rapid response became a feature of its own): text kept
# under the old name before an upgrade still comes back on the same page after it.
RENAMED = {"applications.rapid_request": "rapid.new_request",
           "review.rapid_decide": "rapid.decide", "review.rapid_invite": "rapid.invite"}


def rescuable(view=None, *, page: str | None = None):
    """Mark a form view whose POSTed fields are kept if the session or token lapsed.

    `page`: for an action that answers POST only, the endpoint of the page its form is on
    (taking the same arguments), where the kept fields are given back."""
    def mark(fn):
        fn._rescue = True
        fn._rescue_page = page
        return fn

    return mark(view) if view is not None else mark


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def stash(user_id: int, endpoint: str, form: MultiDict, reason: str = EXPIRED) -> str:
    """Keep the posted fields (not the CSRF token) for `user_id`; return the claim token."""
    token = secrets.token_urlsafe(16)
    pairs = [["", reason], *([k, v] for k, v in form.items(multi=True)
                             if k and k != "csrf_token")]
    db.session.add(FormRescue(token_hash=_hash(token), user_id=user_id, endpoint=endpoint,
                              payload=pairs, expires_at=utcnow() + KEEP_FOR))
    db.session.execute(sa.delete(FormRescue).where(FormRescue.expires_at < utcnow()))
    db.session.commit()
    return token


def page_endpoint(view) -> str:
    """The endpoint whose page gives the kept fields back: the form's page."""
    return getattr(view, "_rescue_page", None) or request.endpoint


def return_url(token: str, view=None) -> str:
    """The page the form was on, with the claim token."""
    page = getattr(view, "_rescue_page", None)
    if page:
        return url_for(page, **(request.view_args or {}), **{PARAM: token})
    sep = "&" if request.query_string else "?"
    base = request.full_path.rstrip("?")
    return f"{base}{sep}{PARAM}={token}"


def rescued_formdata() -> MultiDict | None:
    """The kept fields for this page and user, once (the rescue is consumed)."""
    token = request.args.get(PARAM)
    if not token or not current_user.is_authenticated:
        return None
    rescue = db.session.scalar(sa.select(FormRescue).where(FormRescue.token_hash == _hash(token)))
    if (rescue is None or rescue.user_id != current_user.id
            or RENAMED.get(rescue.endpoint, rescue.endpoint) != request.endpoint
            or rescue.expires_at < utcnow()):
        return None
    reason = next((v for k, v in rescue.payload if k == ""), EXPIRED)
    data = MultiDict([tuple(p) for p in rescue.payload if p[0]])
    db.session.delete(rescue)
    db.session.commit()  # used once, even if the person only reads the page
    if reason == LANGUAGE:
        flash(_("The language is changed. What you typed is below; it is not saved yet."),
              "info")
    else:
        flash(_("Nothing was saved yet because your session had expired. We kept what you "
                "typed: check it below and save again."), "info")
    return data
