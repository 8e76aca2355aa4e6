"""An applicant deletes their own account.

The account row stays, emptied, because the funder's records (reports sent, messages, the
audit chain, whose hashes cover who acted) point at it: the user name becomes a random
code, the password, e-mail, two-step secret and recovery code go, and nobody can log in
with it again. The person's unsent drafts go, and so does each group they were the only
member of that never sent anything; a group with sent applications or awards stays, as the
funder's record, without members.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from grants.auth import passwords
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    FormRescue,
    Organisation,
    User,
    UserSession,
)
from grants.models.types import utcnow
from grants.policy import Permission, require_to
from grants.security import audit


def delete_own_account(user: User, password: str) -> dict[str, int]:
    """Erase the account after checking its password; returns what was removed."""
    require_to(user, Permission.DELETE_OWN_ACCOUNT)
    if not passwords.verify_secret(user.password_hash, password or ""):
        raise ServiceError("Your password is not right.", field="password")
    orgs = [m.organisation for m in user.memberships]
    drafts = _delete_drafts(user, orgs)
    user.memberships.clear()
    db.session.flush()
    groups = sum(_delete_if_empty(org) for org in orgs)
    _empty(user)
    audit.record(user, "user.deleted_own_account", user, drafts=drafts, groups=groups)
    return {"drafts": drafts, "groups": groups}


def _delete_drafts(user: User, orgs: list[Organisation]) -> int:
    """The person's own drafts, and every draft of a group they are alone in."""
    alone = [org.id for org in orgs if len(org.memberships) == 1]
    drafts = list(db.session.scalars(sa.select(Application).where(
        Application.status == ApplicationStatus.DRAFT,
        sa.or_(Application.created_by_id == user.id,
               Application.organisation_id.in_(alone)))))
    for draft in drafts:
        db.session.delete(draft)
    return len(drafts)


def _delete_if_empty(org: Organisation) -> int:
    db.session.refresh(org, ["memberships"])
    if org.memberships:
        return 0
    has_record = db.session.scalar(sa.select(
        sa.exists().where(Application.organisation_id == org.id)
        | sa.exists().where(Award.organisation_id == org.id)))
    if has_record:
        return 0
    db.session.delete(org)
    return 1


def _empty(user: User) -> None:
    user.username = "deleted-" + secrets.token_hex(8)
    user.password_hash = passwords.hash_secret(secrets.token_urlsafe(32))  # known to nobody
    user.email = user.totp_secret = user.recovery_code_hash = None
    user.totp_enabled, user.is_active = False, False
    db.session.execute(sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(
        ended_at=utcnow()))
    db.session.execute(sa.delete(FormRescue).where(FormRescue.user_id == user.id))
    db.session.flush()

