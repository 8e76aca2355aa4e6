"""Notifications outside the portal say only that there is news, never what it is.

An e-mail goes only to a user who gave an address. Its text is fixed per kind and holds no
name, no call, no amount, no message text: a mailbox may be read by someone else.
Backends: "log" (development: logs that a notice went to a user id), "memory" (tests),
"smtp" (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, MAIL_FROM).
Outside a web request (a CLI job) the link is PORTAL_URL.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, gettext

from grants.content import N_
from grants.models import User

log = logging.getLogger(__name__)

# The notice, in the language the person chose (User.preferred_language).
SUBJECT = N_("News in the grants portal")
BODY = N_("There is news for you in the grants portal. Log in to read it:\n%(url)s\n\n"
          "We never put the content of a message in an e-mail.")
KINDS = frozenset({"application_update", "message", "report_due", "payment_update"})


def notify(user: User, kind: str) -> bool:
    """Tell `user` there is news; returns whether a notice was sent."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.email or not user.is_active:
        return False
    url = portal_url()
    language = user.preferred_language
    if language not in current_app.config["LANGUAGES"]:
        language = "en"
    with force_locale(language):
        subject, body = gettext(SUBJECT), gettext(BODY, url=url)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config.get("MAIL_FROM", "portal@localhost")
    message["To"] = user.email
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which sets Content-*
    _send(message, user, kind)
    return True


def portal_url() -> str:
    """The link a notice carries: the home page, from the request or PORTAL_URL."""
    if has_request_context():
        return url_for("main.home", _external=True)
    configured = current_app.config.get("PORTAL_URL")
    if not configured:
        raise RuntimeError("set PORTAL_URL to send notices outside a web request")
    return configured


def _send(message: EmailMessage, user: User, kind: str) -> None:
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
        log.info("notice %s for user %s (log backend: not sent)", kind, user.id)
