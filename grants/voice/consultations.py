"""The consultation log (IV.12): what officers heard from defenders and what the funder
committed to do about it, followed over time. Participants are counts, never names; what
was heard, the commitment and its outcome are encrypted at rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from grants.countries import is_country
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import CommitmentStatus, Consultation, Fund, User
from grants.models.types import utcnow
from grants.security import audit

TOPIC_MAX = 200
TEXT_MAX = 5000
GROUP_LABEL_MAX = 40
MAX_GROUPS = 5
PARTICIPANTS_MAX = 100_000
PAGE_SIZE = 25
_FIELDS = ("held_on", "topic", "fund_id", "country", "participants", "participant_counts",
           "heard", "commitment", "commitment_status", "outcome")


@dataclass
class Details:
    """What an officer typed, as plain values; the service checks every rule."""

    held_on: date | None
    topic: str
    participants: int | None
    fund_id: int | None = None
    country: str | None = None
    groups: list[tuple[str, int | None]] = field(default_factory=list)
    heard: str = ""
    commitment: str = ""
    commitment_status: str = CommitmentStatus.PLANNED.value
    outcome: str = ""


def _counts(details: Details, total: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n, (label, count) in enumerate(details.groups, start=1):
        label = (label or "").strip()
        if not label and count is None:
            continue
        if not label:
            raise ServiceError("Name the group these people belong to, or leave the count "
                               "empty.", f"group{n}_label")
        if count is None:
            raise ServiceError("Enter how many of them took part.", f"group{n}_count")
        if count > total:
            raise ServiceError("A group cannot be larger than the number of participants.",
                               f"group{n}_count")
        if label.casefold() in (k.casefold() for k in counts):
            raise ServiceError("This group is listed twice.", f"group{n}_label")
        counts[label] = count
    return counts


def _values(details: Details, today: date) -> dict:
    if details.held_on is None:
        raise ServiceError("Enter the date, for example 2026-11-20.", "held_on")
    if details.held_on > today:
        raise ServiceError("Record a consultation once it was held: the date is in the "
                           "future.", "held_on")
    topic = (details.topic or "").strip()
    if not topic:
        raise ServiceError("Write the topic.", "topic")
    if len(topic) > TOPIC_MAX:
        raise ServiceError("Keep the topic under %(max)s characters.", "topic", max=TOPIC_MAX)
    if details.participants is None or details.participants < 0:
        raise ServiceError("Enter how many took part (a whole number).", "participants")
    if details.fund_id is not None and db.session.get(Fund, details.fund_id) is None:
        raise ServiceError("Choose one of the funds listed.", "fund_id")
    if details.country and not is_country(details.country):
        raise ServiceError("Choose one of the countries listed.", "country")
    if details.commitment_status not in CommitmentStatus._value2member_map_:
        raise ServiceError("Choose how far the commitment went.", "commitment_status")
    texts = {k: (getattr(details, k) or "").strip() or None
             for k in ("heard", "commitment", "outcome")}
    for key, text in texts.items():
        if text and len(text) > TEXT_MAX:
            raise ServiceError("Keep this under %(max)s characters.", key, max=TEXT_MAX)
    return {"held_on": details.held_on, "topic": topic, "fund_id": details.fund_id,
            "country": details.country or None, "participants": details.participants,
            "participant_counts": _counts(details, details.participants),
            "commitment_status": CommitmentStatus(details.commitment_status), **texts}


def record(actor: User, details: Details, today: date | None = None) -> Consultation:
    """Record a consultation an officer held with defenders."""
    values = _values(details, today or utcnow().date())
    consultation = Consultation(recorded_by_id=actor.id, **values)
    db.session.add(consultation)
    db.session.flush()
    audit.record(actor, "consultation.recorded", consultation)
    return consultation


def update(actor: User, consultation: Consultation, details: Details,
           today: date | None = None) -> list[str]:
    """Change a consultation (typically its commitment's status and outcome over time);
    returns the names of the fields that changed, which the audit keeps (not their text)."""
    values = _values(details, today or utcnow().date())
    changed = [k for k in _FIELDS if getattr(consultation, k) != values[k]]
    for key in changed:
        setattr(consultation, key, values[key])
    if changed:
        db.session.flush()
        audit.record(actor, "consultation.updated", consultation, fields=changed,
                     status=consultation.commitment_status.value)
    return changed


def page(fund_id: int | None = None, page_number: int = 1):
    """Consultations newest first, one page (with their funds loaded in the same query)."""
    q = sa.select(Consultation).order_by(Consultation.held_on.desc(), Consultation.id.desc())
    if fund_id is not None:
        q = q.where(Consultation.fund_id == fund_id)
    # The list shows no text: what was heard and promised is decrypted on its own page only.
    q = q.options(joinedload(Consultation.fund), defer(Consultation.heard),
                  defer(Consultation.commitment), defer(Consultation.outcome))
    return db.paginate(q, page=page_number, per_page=PAGE_SIZE, error_out=False)
