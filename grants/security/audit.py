"""The audit trail: append-only events chained by SHA-256.

Each event's hash covers its content and the previous event's hash, so deleting or editing
an entry breaks the chain from there on; `verify_chain` names the first broken entry.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent
from grants.models.types import utcnow

GENESIS = "0" * 64
_PG_LOCK_ID = 0x6772616E7473  # serialises appends on PostgreSQL ("grants")


def _digest(prev_hash: str, event: AuditEvent) -> str:
    content = {
        "at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "action": event.action,
        "type": event.object_type,
        "id": event.object_id,
        "details": event.details,
    }
    blob = prev_hash + json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def record(actor, action: str, obj=None, **details) -> AuditEvent:
    """Append an event. `details` must hold no defender's data: ids, states, amounts only."""
    obj = getattr(obj, "_get_current_object", lambda: obj)()  # current_user is a proxy
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_ID)))
    prev = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details,
        prev_hash=prev or GENESIS,
    )
    event.hash = _digest(event.prev_hash, event)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain(batch: int = 1000, session=None) -> AuditEvent | None:
    """Walk the log in order; return the first event whose hash does not hold, else None.
    `session` reads another database (a restored backup: grants/ops/backup.py)."""
    session = session if session is not None else db.session
    prev, last_id = GENESIS, 0
    while True:
        events = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not events:
            return None
        for event in events:
            if event.prev_hash != prev or _digest(prev, event) != event.hash:
                return event
            prev, last_id = event.hash, event.id
