"""Who may do what to which object: the one authorization module.

Views, templates and services all ask `can(user, Permission.X, obj)`. A view that cannot
show an object to a user answers 404 (the object's existence is itself information);
one that can show it but not act on it answers 403. No role checks live anywhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask import abort
from flask_login import current_user

from grants.models import Membership, Organisation, OrgKind, Role, User


class Permission(enum.Enum):
    # accounts and administration
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    MANAGE_FUNDS = "manage_funds"
    VIEW_FUNDS = "view_funds"
    # organisations
    CREATE_ORGANISATION = "create_organisation"
    VIEW_ORGANISATION = "view_organisation"
    VIEW_ORGANISATION_SENSITIVE = "view_organisation_sensitive"
    EDIT_ORGANISATION = "edit_organisation"
    VERIFY_ORGANISATION = "verify_organisation"
    LIST_ALL_ORGANISATIONS = "list_all_organisations"


def _role(user) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def is_member(user, org: Organisation, *, owner: bool = False) -> bool:
    """True if `user` belongs to `org` (as owner, when asked)."""
    for m in user.memberships:
        if m.organisation_id == org.id:
            return not owner or m.role.value == "owner"
    return False


def _has_role(*roles: Role) -> Callable:
    return lambda user, obj: _role(user) in roles


def _view_org(user, org: Organisation) -> bool:
    if _role(user) in (Role.OFFICER, Role.ADMIN):
        return True
    return _role(user) is not None and is_member(user, org)


def _view_org_sensitive(user, org: Organisation) -> bool:
    # Contact and identity details: the group itself and program officers, not admins.
    if _role(user) == Role.OFFICER:
        return True
    return _role(user) is not None and is_member(user, org)


def _edit_org(user, org: Organisation) -> bool:
    # Only the group's own owners; admins verify but do not rewrite a group's details.
    return _role(user) in (Role.APPLICANT, Role.INTERMEDIARY) and is_member(user, org, owner=True)


def _create_org(user, obj) -> bool:
    # Applicants create their own group; intermediary organisations are set up by an admin.
    return _role(user) in (Role.APPLICANT, Role.ADMIN)


def _verify_org(user, org: Organisation) -> bool:
    return _role(user) == Role.ADMIN or (
        _role(user) == Role.OFFICER and org.kind != OrgKind.INTERMEDIARY
    )


_RULES: dict[Permission, Callable] = {
    Permission.MANAGE_USERS: _has_role(Role.ADMIN),
    Permission.VIEW_AUDIT: _has_role(Role.ADMIN),
    Permission.MANAGE_FUNDS: _has_role(Role.ADMIN),
    Permission.VIEW_FUNDS: _has_role(Role.ADMIN, Role.OFFICER),
    Permission.CREATE_ORGANISATION: _create_org,
    Permission.VIEW_ORGANISATION: _view_org,
    Permission.VIEW_ORGANISATION_SENSITIVE: _view_org_sensitive,
    Permission.EDIT_ORGANISATION: _edit_org,
    Permission.VERIFY_ORGANISATION: _verify_org,
    Permission.LIST_ALL_ORGANISATIONS: _has_role(Role.ADMIN, Role.OFFICER),
}


def can(user, permission: Permission, obj=None) -> bool:
    """Answer whether `user` may exercise `permission` on `obj` (None for global ones)."""
    if _role(user) is None or not user.is_active:
        return False
    return bool(_RULES[permission](user, obj))


def require(permission: Permission, obj=None, *, visible: Permission | None = None) -> None:
    """Abort 404 if `obj` may not even be seen (per `visible`), 403 if it may not be acted on."""
    if visible is not None and not can(current_user, visible, obj):
        abort(404)
    if not can(current_user, permission, obj):
        abort(403)


__all__ = ["Permission", "can", "require", "is_member", "Membership", "User"]
