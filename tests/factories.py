"""Build test objects with sensible defaults; every function flushes, none commits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pyotp

from grants.auth import services
from grants.extensions import db
from grants.models import Fund, MemberRole, Membership, Organisation, OrgKind, Role, User

PASSWORD = "a long test password"
_seq = itertools.count(1)


def user(role: Role = Role.APPLICANT, *, username: str | None = None, totp: bool | None = None,
         password: str = PASSWORD) -> User:
    """A user; staff get two-step verification on unless `totp=False`."""
    name = username or f"{role.value}{next(_seq)}"
    u, code = services.register(name, password, role=role)
    u.test_recovery_code = code
    if totp if totp is not None else role.is_staff:
        u.totp_secret, u.totp_enabled = pyotp.random_base32(), True
    db.session.flush()
    return u


def organisation(owner: User | None = None, *, kind: OrgKind = OrgKind.UNREGISTERED_GROUP,
                 country: str = "CO", **fields) -> Organisation:
    org = Organisation(name=fields.pop("name", f"Group {next(_seq)}"), kind=kind, country=country,
                       **fields)
    db.session.add(org)
    if owner is not None:
        db.session.add(Membership(user=owner, organisation=org, role=MemberRole.OWNER))
    db.session.flush()
    return org


def fund(**fields) -> Fund:
    f = Fund(name=fields.pop("name", f"Fund {next(_seq)}"), currency=fields.pop("currency", "USD"),
             envelope_minor=fields.pop("envelope_minor", 1_000_000), **fields)
    db.session.add(f)
    db.session.flush()
    return f


@dataclass
class World:
    applicant: User
    stranger: User  # an applicant of another organisation
    reviewer: User
    officer: User
    intermediary: User
    admin: User
    target: User  # a bystander account that admin actions are aimed at
    org: Organisation
    other_org: Organisation
    intermediary_org: Organisation
    fund: Fund

    def by_role(self, name: str) -> User | None:
        return None if name == "anon" else getattr(self, name)


def world() -> World:
    applicant, stranger = user(), user()
    intermediary = user(Role.INTERMEDIARY)
    return World(
        applicant=applicant, stranger=stranger, reviewer=user(Role.REVIEWER),
        officer=user(Role.OFFICER), intermediary=intermediary, admin=user(Role.ADMIN),
        target=user(),
        org=organisation(applicant, contact_details="Signal +57 300 000 0000"),
        other_org=organisation(stranger, kind=OrgKind.REGISTERED_NGO, legal_name="Other NGO"),
        intermediary_org=organisation(intermediary, kind=OrgKind.INTERMEDIARY, country="KE"),
        fund=fund(),
    )
