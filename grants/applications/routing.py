"""The intermediary route (IV.6): an unregistered group or defender applies through an
intermediary that serves its country, which endorses (the application goes on to the
funder's review) or declines (the group reads why in its thread)."""

from __future__ import annotations

import sqlalchemy as sa

from grants.applications.services import (
    ROUTABLE_KINDS,
    change_status,
    eligible_kinds,
    needs_intermediary,
)
from grants.errors import ServiceError
from grants.extensions import db
from grants.messages.services import post_message
from grants.models import Application, ApplicationStatus, Organisation, OrgKind, User
from grants.models.organisations import by_name
from grants.models.types import utcnow
from grants.security import audit

NOTE_MAX_CHARS = 5000
DIRECT, FIND = "direct", "find"


def offers_route(application: Application) -> bool:
    """The call offers an intermediary route and the group is of a kind that may take it."""
    call = application.call
    return call.allow_intermediary_route and call.intermediary_id is None \
        and application.organisation.kind in ROUTABLE_KINDS


def intermediaries_for(country: str) -> list[Organisation]:
    """Verified intermediaries that take routed applications from `country`, by name."""
    candidates = by_name(db.session.scalars(
        sa.select(Organisation).where(Organisation.kind == OrgKind.INTERMEDIARY,
                                      Organisation.is_verified.is_(True),
                                      Organisation.accepts_routed_applications.is_(True))))
    return [org for org in candidates if country in (org.serves_countries or [])]


def route_choices(application: Application) -> list[str]:
    """What the group may choose: directly (if the call funds its kind), an intermediary
    serving its country by id, or asking the funder to find one."""
    direct = [DIRECT] if not needs_intermediary(application) else []
    return direct + [str(o.id) for o in intermediaries_for(application.country)] + [FIND]


def current_choice(application: Application) -> str | None:
    if application.intermediary_id:
        return str(application.intermediary_id)
    if application.wants_intermediary_found:
        return FIND
    return None if needs_intermediary(application) else DIRECT


def choose_route(actor: User, application: Application, choice: str) -> None:
    """Save how the application reaches the funder, while the group may still edit it."""
    if application.status not in ApplicationStatus.EDITABLE or application.endorsed_at is not None:
        raise ServiceError("The route can no longer change.", "route")
    if not offers_route(application) or choice not in route_choices(application):
        raise ServiceError("Choose one of the ways in the list.", "route")
    application.intermediary_id = int(choice) if choice not in (DIRECT, FIND) else None
    application.wants_intermediary_found = choice == FIND
    db.session.flush()
    audit.record(actor, "application.route_chosen", application,
                 intermediary_id=application.intermediary_id,
                 wants_intermediary_found=application.wants_intermediary_found)


def _lock(application: Application) -> None:
    db.session.execute(sa.select(Application.id).where(Application.id == application.id)
                       .with_for_update())
    db.session.refresh(application, ["status"])
    if application.status != ApplicationStatus.AWAITING_ENDORSEMENT:
        raise ServiceError("This application is not waiting for an endorsement.")


def _note(text: str | None, required: bool) -> str | None:
    cleaned = (text or "").replace("\r\n", "\n").strip()
    if required and not cleaned:
        raise ServiceError("Write a message to the group.", "note")
    if len(cleaned) > NOTE_MAX_CHARS:
        raise ServiceError("Use at most %(max)s characters.", "note", max=NOTE_MAX_CHARS)
    return cleaned or None


def endorse(actor: User, application: Application, note: str = "") -> None:
    """The intermediary vouches for the group: the application goes to the funder's queue.
    The note is for the funder's officers (encrypted)."""
    _lock(application)
    application.endorsement_note = _note(note, required=False)
    application.endorsed_at, application.endorsed_by_id = utcnow(), actor.id
    change_status(actor, application, ApplicationStatus.SUBMITTED)
    db.session.flush()
    audit.record(actor, "application.endorsed", application,
                 intermediary_id=application.intermediary_id)


def decline_endorsement(actor: User, application: Application, note: str) -> None:
    """The intermediary declines: the application is declined and the group reads the
    note in its thread (told only that there is news, outside the portal)."""
    _lock(application)
    text = _note(note, required=True)
    change_status(actor, application, ApplicationStatus.DECLINED, text)
    application.decided_at = utcnow()
    post_message(actor, application, text)
    db.session.flush()
    audit.record(actor, "application.endorsement_declined", application,
                 intermediary_id=application.intermediary_id)


def awaiting_endorsement(org_ids: list[int]) -> sa.Select:
    """Routed applications waiting for these intermediaries, oldest first."""
    return (sa.select(Application)
            .where(Application.intermediary_id.in_(org_ids),
                   Application.status == ApplicationStatus.AWAITING_ENDORSEMENT)
            .order_by(Application.submitted_at, Application.id))


def may_fund_directly(application: Application) -> bool:
    return application.organisation.kind in eligible_kinds(application.call)
