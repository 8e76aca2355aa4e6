"""Organisation rules."""

from __future__ import annotations

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import MemberRole, Membership, Organisation, OrgKind, User
from grants.policy import owns_what_it_creates
from grants.security import audit

EDITABLE = ("name", "country", "legal_name", "registration_number", "contact_details",
            "directory_opt_in", "directory_blurb", "directory_contact")


def create_organisation(actor: User, *, kind: OrgKind, **fields) -> Organisation:
    """Create an organisation with `actor` as its owner (an admin creates it unowned)."""
    if kind == OrgKind.REGISTERED_NGO and not fields.get("legal_name"):
        raise ServiceError("A registered organisation needs its legal name.", field="legal_name")
    org = Organisation(kind=kind, **{k: fields.get(k) for k in EDITABLE})
    org.directory_opt_in = bool(fields.get("directory_opt_in"))
    db.session.add(org)
    if owns_what_it_creates(actor):
        db.session.add(Membership(user=actor, organisation=org, role=MemberRole.OWNER))
    db.session.flush()
    audit.record(actor, "organisation.created", org, kind=kind.value)
    return org


def update_organisation(actor: User, org: Organisation, **fields) -> None:
    """Change the editable facts; the kind is fixed once created (it drives eligibility)."""
    if org.kind == OrgKind.REGISTERED_NGO and not fields.get("legal_name"):
        raise ServiceError("A registered organisation needs its legal name.", field="legal_name")
    values = {k: fields.get(k) for k in EDITABLE}
    values["directory_opt_in"] = bool(values["directory_opt_in"])
    changed = [k for k, v in values.items() if getattr(org, k) != v]
    for key in changed:
        setattr(org, key, values[key])
    if changed:
        audit.record(actor, "organisation.updated", org, fields=sorted(changed))


def set_verified(actor: User, org: Organisation, verified: bool) -> None:
    if org.is_verified != verified:
        org.is_verified = verified
        audit.record(actor, "organisation.verified" if verified else "organisation.unverified",
                     org)
