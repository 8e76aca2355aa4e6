"""Accounts, administration and organisations: who manages users and funds, who sees,
edits and verifies a group."""

from __future__ import annotations

from collections.abc import Callable

from grants.errors import N_
from grants.models import Organisation, OrgKind, Role
from grants.policy.permissions import Check, Permission, all_of
from grants.policy.roles import GROUP_ROLES, has_role, is_member, role_of
from grants.security import reveal


def _view_org(user, org: Organisation) -> bool:
    if role_of(user) in (Role.OFFICER, Role.ADMIN):
        return True
    return role_of(user) is not None and is_member(user, org)


def _view_org_sensitive(user, org: Organisation) -> bool:
    # Contact and identity details: the group itself and program officers, not admins;
    # an officer reveals a group at high risk first (grants/security/reveal.py).
    if role_of(user) == Role.OFFICER:
        return not reveal.org_at_high_risk(org) or reveal.org_revealed(user, org)
    return role_of(user) is not None and is_member(user, org)


def view_org_name(user, org: Organisation) -> bool:
    # Staff see a group at high risk by a code name until an officer reveals one of its
    # applications (admins cannot reveal). Its members, and those shown the group for their
    # task (a reviewer declaring a conflict), see its name.
    if role_of(user) in (Role.OFFICER, Role.ADMIN) and not is_member(user, org):
        return reveal.hidden_code(user, org) is None
    return True


def _edit_org(user, org: Organisation) -> bool:
    # Only the group's own owners; admins verify but do not rewrite a group's details.
    return role_of(user) in GROUP_ROLES and is_member(user, org, owner=True)


def _create_org(user, kind: OrgKind | None) -> bool:
    # Applicants create their own group; intermediary organisations are set up by an admin.
    # Without a kind: whether the user creates organisations at all.
    if kind == OrgKind.INTERMEDIARY and role_of(user) != Role.ADMIN:
        return False
    return role_of(user) in (Role.APPLICANT, Role.ADMIN)


def _verify_org(user, org: Organisation) -> bool:
    return role_of(user) == Role.ADMIN or (
        role_of(user) == Role.OFFICER and org.kind != OrgKind.INTERMEDIARY
    )


CHECKS: dict[Permission, tuple[Check, ...]] = {
    Permission.DELETE_OWN_ACCOUNT: (
        # Applicants erase their own account; staff accounts are closed by an admin.
        Check(has_role(Role.APPLICANT), N_("Staff accounts are closed by an administrator.")),
    ),
}

RULES: dict[Permission, Callable] = {
    Permission.MANAGE_USERS: has_role(Role.ADMIN),
    Permission.DELETE_OWN_ACCOUNT: all_of(*CHECKS[Permission.DELETE_OWN_ACCOUNT]),
    Permission.VIEW_AUDIT: has_role(Role.ADMIN),
    Permission.MANAGE_FUNDS: has_role(Role.ADMIN),
    Permission.VIEW_FUNDS: has_role(Role.ADMIN, Role.OFFICER),
    Permission.CREATE_ORGANISATION: _create_org,
    Permission.VIEW_ORGANISATION: _view_org,
    Permission.VIEW_ORGANISATION_SENSITIVE: _view_org_sensitive,
    Permission.VIEW_ORGANISATION_NAME: view_org_name,
    Permission.EDIT_ORGANISATION: _edit_org,
    Permission.VERIFY_ORGANISATION: _verify_org,
    Permission.LIST_ALL_ORGANISATIONS: has_role(Role.ADMIN, Role.OFFICER),
    Permission.MANAGE_SECURITY_KEYS: lambda user, obj: role_of(user) is not None,
}
