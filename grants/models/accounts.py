"""People and their sessions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from grants import usernames
from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import EncryptedText, UTCDateTime, enum_column, utcnow


class Role(Labelled):
    APPLICANT = "applicant"
    OFFICER = "officer"
    REVIEWER = "reviewer"
    INTERMEDIARY = "intermediary"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """Staff roles must use two-factor authentication."""
        return self is not Role.APPLICANT

    _labels = enum.nonmember({
        "applicant": _l("Applicant"),
        "officer": _l("Programme officer"),
        "reviewer": _l("Reviewer"),
        "intermediary": _l("Intermediary"),
        "admin": _l("Administrator"),
    })


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Log-in name; may be a pseudonym, in any script (grants.usernames has the rule). Kept
    # as typed after NFKC, in clear: log-in looks it up and admin search filters by it; the
    # sign-up form says it may be a pseudonym. Set through `username`, never directly:
    # username_key is what log-in compares (case-folded), username_skeleton what look-alike
    # names share (unique, so a look-alike is refused even when two sign up at once). An
    # account older than the rule whose name looked like an older one's has no skeleton.
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    username_key: Mapped[str] = mapped_column(sa.Text, unique=True)
    username_skeleton: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    email: Mapped[str | None] = mapped_column(EncryptedText("users.email"))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.APPLICANT)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    preferred_language: Mapped[str] = mapped_column(sa.String(8), default="en")
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("users.totp_secret"))
    totp_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Highest TOTP time step accepted so far: a code is never accepted twice.
    totp_last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    recovery_code_hash: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol: the session is what identifies a login, see auth.sessions.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @validates("username")
    def _derive_name_forms(self, _key: str, username: str) -> str:
        self.username_key = usernames.key(username)
        self.username_skeleton = usernames.skeleton(username)
        return username

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class UserSession(db.Model):
    """A server-side login session; the cookie carries only a random token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class WebAuthnCredential(db.Model):
    """A security key (WebAuthn / FIDO2) a staff member registered as a second factor."""

    __tablename__ = "webauthn_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # The name the person gave the key ("blue key"), and how the browser reaches it.
    name: Mapped[str] = mapped_column(EncryptedText("webauthn_credentials.name"))
    transports: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
