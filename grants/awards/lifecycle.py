"""An award's life after approval: suspended (e.g. while a group's safety is assessed),
resumed, closed at its end or early.

Closing cancels the tranches not yet released, so what the group will still receive is
never left ambiguous; the amount that will not be paid is recorded with the change. Each
change locks the award, needs a reason (kept encrypted, for officers), is recorded as an
amendment and tells the group there is news, without saying what.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants import notifications
from grants.awards.schedule import amend, clean_reason, lock
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    AmendmentKind,
    Award,
    AwardAmendment,
    AwardStatus,
    Membership,
    TrancheStatus,
    User,
)
from grants.models.types import utcnow

# action -> (statuses it applies to, status it leads to)
ACTIONS: dict[str, tuple[frozenset[AwardStatus], AwardStatus]] = {
    "suspend": (frozenset({AwardStatus.ACTIVE}), AwardStatus.SUSPENDED),
    "resume": (frozenset({AwardStatus.SUSPENDED}), AwardStatus.ACTIVE),
    "close": (frozenset({AwardStatus.ACTIVE, AwardStatus.SUSPENDED}), AwardStatus.CLOSED),
}


def actions_for(award: Award) -> list[str]:
    """The actions that apply to the award in its present status."""
    return [name for name, (sources, _to) in ACTIONS.items() if award.status in sources]


def unreleased(award: Award) -> int:
    """What closing now would leave unpaid: the planned tranches, in minor units."""
    return sum(t.amount_minor for t in award.tranches if t.status == TrancheStatus.PLANNED)


def change_status(actor: User, award: Award, action: str, reason: str | None,
                  now: datetime | None = None) -> AwardAmendment:
    """Suspend, resume or close the award; refuse an action that does not apply now."""
    award = lock(award)
    if action not in ACTIONS:
        raise ServiceError("Choose what happens to the award.", "action")
    sources, to = ACTIONS[action]
    if award.status not in sources:
        raise ServiceError("That change does not apply to an award in its present state.",
                           "action")
    reason = clean_reason(reason)
    if reason is None and action != "resume":
        raise ServiceError("Write why, for the officers who follow this award.", "reason")
    before = {"status": award.status.value}
    after: dict = {"status": to.value}
    if to == AwardStatus.CLOSED:
        cancelled = [t for t in award.tranches if t.status == TrancheStatus.PLANNED]
        after |= {"cancelled_tranches": [t.sequence for t in cancelled],
                  "unreleased_minor": sum(t.amount_minor for t in cancelled)}
        for tranche in cancelled:
            tranche.status = TrancheStatus.CANCELLED
        award.closed_at = now or utcnow()
    award.status = to
    amendment = amend(actor, award, AmendmentKind.STATUS_CHANGE, before, after, reason)
    for member in db.session.scalars(sa.select(User).join(Membership).where(
            Membership.organisation_id == award.organisation_id)):
        notifications.notify(member, "application_update")
    return amendment
