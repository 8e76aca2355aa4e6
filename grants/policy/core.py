"""The questions every caller asks: `can`, `require`, `require_to`, `refusal`, answered
from one table of rules by permission, gathered from the modules that decide each area.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user

import grants.policy.accounts as accounts
import grants.policy.applications as applications
import grants.policy.awards as awards
import grants.policy.rapid as rapid
import grants.policy.reporting as reporting
import grants.policy.review as review
from grants.errors import ServiceError
from grants.models import CallStatus
from grants.policy.permissions import Check, Permission
from grants.policy.rapid import takes_rapid
from grants.policy.roles import role_of

# Each permission's rule lives with its area, in that module's RULES (and CHECKS, for the
# rules a service asks); every permission is in exactly one area (tests/test_policy.py).
AREAS = (accounts, applications, review, awards, rapid, reporting)
_CHECKS: dict[Permission, tuple[Check, ...]] = {
    permission: checks
    for area in AREAS for permission, checks in getattr(area, "CHECKS", {}).items()}
_RULES: dict[Permission, Callable] = {
    permission: rule for area in AREAS for permission, rule in area.RULES.items()}


def can(user, permission: Permission, obj=None) -> bool:
    """Answer whether `user` may exercise `permission` on `obj` (None for global ones)."""
    if permission is Permission.VIEW_CALL and role_of(user) is None:
        return obj is not None and obj.status != CallStatus.DRAFT  # calls are public
    if permission is Permission.FILE_RAPID_REQUEST and role_of(user) is None:
        # A defender without an account files in one visit: the form makes the account.
        return obj is not None and takes_rapid(obj)
    if role_of(user) is None or not user.is_active:
        return False
    return bool(_RULES[permission](user, obj))


def refusal(user, permission: Permission, obj=None) -> str | None:
    """Why `user` may not exercise `permission` on `obj`: the reason of its first check that
    fails, for the person to read (English; ServiceError translates it). None if they may.
    Only for the permissions written as checks (_CHECKS): those a service asks."""
    checks = _CHECKS[permission]
    # An account that is not signed in or not active is refused as one without the role.
    as_nobody = next(check.reason for check in checks if check.about_person)
    if role_of(user) is None:
        return as_nobody
    failed = next((check.reason for check in checks if not check.test(user, obj)), None)
    return failed if failed is not None or user.is_active else as_nobody


def require_to(actor, permission: Permission, obj=None, *, field: str | None = None) -> None:
    """For services: raise ServiceError with the reason `actor` reads (about the form's
    `field`, if given) unless they may exercise `permission` on `obj`."""
    reason = refusal(actor, permission, obj)
    if reason is not None:
        raise ServiceError(reason, field)


def require(permission: Permission, obj=None, *, visible: Permission | None = None) -> None:
    """Abort 404 if `obj` may not even be seen (per `visible`), 403 if it may not be acted on."""
    if visible is not None and not can(current_user, visible, obj):
        abort(404)
    if not can(current_user, permission, obj):
        abort(403)
