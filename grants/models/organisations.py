"""Organisations (registered or not, individuals, intermediaries) and who belongs to them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import EncryptedText, UTCDateTime, enum_column, utcnow


class OrgKind(Labelled):
    REGISTERED_NGO = "registered_ngo"
    UNREGISTERED_GROUP = "unregistered_group"
    INDIVIDUAL_DEFENDER = "individual_defender"
    INTERMEDIARY = "intermediary"

    _labels = enum.nonmember({
        "registered_ngo": _l("A registered organisation"),
        "unregistered_group": _l("A group or movement that is not registered"),
        "individual_defender": _l("Myself, as an individual defender"),
        "intermediary": _l("An intermediary (fiscal host, regranting fund, network)"),
    })


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name shown in the portal; may be a pseudonym or a code for an informal group.
    # Encrypted: a group's name identifies it. Lists sort by it in Python (`by_name` below,
    # grants/organisations/queries.py for pages), never in SQL.
    name: Mapped[str] = mapped_column(EncryptedText("organisations.name"))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    # ISO 3166-1 alpha-2; never anything finer than a country in clear text.
    country: Mapped[str] = mapped_column(sa.String(2))
    registration_number: Mapped[str | None] = mapped_column(
        EncryptedText("organisations.registration_number")
    )
    contact_details: Mapped[str | None] = mapped_column(
        EncryptedText("organisations.contact_details")
    )
    legal_name: Mapped[str | None] = mapped_column(EncryptedText("organisations.legal_name"))
    is_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Intermediaries: countries served (ISO codes) and whether routed applications are accepted.
    # These and the themes stay in clear: shown to groups choosing an intermediary, and matched
    # against an application's country.
    serves_countries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    accepts_routed_applications: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    # Intermediaries: themes served (free labels such as "land defenders", "LGBTIQ rights").
    themes: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    directory_opt_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What an opted-in grantee tells peers in the directory, and how peers may reach it.
    directory_blurb: Mapped[str | None] = mapped_column(
        EncryptedText("organisations.directory_blurb")
    )
    directory_contact: Mapped[str | None] = mapped_column(
        EncryptedText("organisations.directory_contact")
    )
    # A Stripe connected account that receives transfers, once onboarding is complete.
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    stripe_payouts_enabled: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole), default=MemberRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")  # noqa: F821
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


def name_key(name: str | None) -> str:
    """How names sort: case-insensitively. Names are encrypted, so lists sort them in Python."""
    return (name or "").casefold()


def by_name(orgs) -> list[Organisation]:
    """`orgs` sorted by name (then id), as an ORDER BY on the clear name used to give."""
    return sorted(orgs, key=lambda o: (name_key(o.name), o.id))
