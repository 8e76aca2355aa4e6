"""Notifications outside the portal say only that there is news, never what it is.

An e-mail goes only to a user who gave an address. Its text is fixed per kind and holds no
name, no call, no amount, no message text: a mailbox may be read by someone else.
`notify` writes the notice into the outbox, in the transaction of the action it tells of:
nothing leaves for an action rolled back, and a relay that is down or slow costs the action
nothing. The job worker calls `deliver` afterwards, with retries (grants/jobs).
Backends: "log" (development: logs that a notice went to a user id), "memory" (tests),
"smtp" (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, MAIL_FROM).
The link is the home page of the request that caused the notice, else PORTAL_URL.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, gettext

from grants.content import N_
from grants.extensions import db
from grants.jobs import outbox
from grants.models import User

log = logging.getLogger(__name__)

# The notice, in the language the person chose (User.preferred_language).
SUBJECT = N_("News in the grants portal")
BODY = N_("There is news for you in the grants portal. Log in to read it:\n%(url)s\n\n"
          "We never put the content of a message in an e-mail.")
KINDS = frozenset({"application_update", "message", "report_due", "payment_update"})


def notify(user: User, kind: str) -> bool:
    """Tell `user` there is news, once the caller's transaction commits; returns whether a
    notice will go (only to an active user with an address)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.email or not user.is_active:
        return False
    if user.id is None:
        db.session.flush()
    link = url_for("main.home", _external=True) if has_request_context() else None
    outbox.add("notice", {"user_id": user.id, "kind": kind, "url": link})
    return True


def deliver(payload: dict, key: str) -> None:
    """Send one notice from the outbox (the job worker calls this). Written now, from the
    user's row: an address removed or an account closed since means nothing is sent."""
    user = db.session.get(User, payload["user_id"])
    if user is None or not user.email or not user.is_active:
        return
    kind, url = payload["kind"], payload.get("url") or portal_url()
    language = user.preferred_language
    if language not in current_app.config["LANGUAGES"]:
        language = "en"
    with force_locale(language):
        subject, body = gettext(SUBJECT), gettext(BODY, url=url)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config.get("MAIL_FROM", "portal@localhost")
    message["To"] = user.email
    # The outbox row's key: a copy sent twice (a worker killed between the relay's answer
    # and its own record) carries the same Message-ID, which mail systems drop.
    domain = message["From"].rpartition("@")[2].strip(" >") or "localhost"
    message["Message-ID"] = f"<{key.replace(':', '.')}@{domain}>"
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which sets Content-*
    user_id = user.id
    # End the read before talking to the relay, which may take seconds: on SQLite the
    # worker's transactions hold the write lock (grants/factory.py), and every post would
    # wait for the relay's answer (or fail after the busy timeout).
    db.session.commit()
    _send(message, user_id, kind)


def portal_url() -> str:
    """The link a notice carries when no request gave one: PORTAL_URL."""
    configured = current_app.config.get("PORTAL_URL")
    if not configured:
        raise RuntimeError("set PORTAL_URL to send notices about work done outside a request")
    return configured


def _send(message: EmailMessage, user_id: int, kind: str) -> None:
    backend = current_app.config.get("MAIL_BACKEND", "log")
    if backend == "memory":
        current_app.extensions.setdefault("grants.outbox", []).append(message)
    elif backend == "smtp":
        cfg = current_app.config
        with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT", 587)), timeout=10) as smtp:
            if cfg.get("SMTP_STARTTLS", True):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            smtp.send_message(message)
    else:
        log.info("notice %s for user %s (log backend: not sent)", kind, user_id)
