"""Message rules: who may write, and the notice (without content) to the other side."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from grants import notifications
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Application, Membership, Message, User
from grants.policy import is_member
from grants.security import audit

MAX_CHARS = 10_000


def thread(application: Application) -> list[Message]:
    """The application's messages, oldest first, with their senders loaded (one query: a
    message has one sender, joined rather than fetched by a second select)."""
    return list(db.session.scalars(
        sa.select(Message).where(Message.application_id == application.id)
        .options(joinedload(Message.sender)).order_by(Message.created_at, Message.id)))


def post_message(actor: User, application: Application, body: str) -> Message:
    """Add a message to the application's thread and tell the other side there is news.

    Staff writing to a group: every member with an e-mail address gets a content-free
    notice. A group writing to staff: officers read it in the portal, and a question asked
    of the group (grants.rapid.decision.ask) counts as answered.
    """
    text = (body or "").strip()
    if not text:
        raise ServiceError("Write a message first.", field="body")
    if len(text) > MAX_CHARS:
        raise ServiceError("A message can be at most %(max)s characters.", field="body",
                           max=MAX_CHARS)
    message = Message(application_id=application.id, sender_id=actor.id, body=text)
    db.session.add(message)
    if is_member(actor, application.organisation):  # the group wrote back: answered
        application.awaiting_answer_since = None
    db.session.flush()
    audit.record(actor, "message.posted", application, message_id=message.id)
    if actor.is_staff:
        for member in _members(application):
            notifications.notify(member, "message")
    return message


def _members(application: Application) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership).where(
            Membership.organisation_id == application.organisation_id)))
