"""Applications, their answers, documents, budgets and status history."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    UTCDateTime,
    enum_column,
    members,
    utcnow,
)


class ApplicationStatus(Labelled):
    DRAFT = "draft"
    AWAITING_ENDORSEMENT = "awaiting_endorsement"  # routed through an intermediary
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    MORE_INFO_REQUESTED = "more_info_requested"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    # What each stage allows (grants.policy asks these; services and queries filter by them).
    # The group's own until sent, or again once withdrawn: nobody else sees or writes on it.
    UNSENT = members(DRAFT, WITHDRAWN)
    # The group may change its answers: before sending, or when an officer asked for more.
    EDITABLE = members(DRAFT, MORE_INFO_REQUESTED)
    # Sent and not decided: it may still be taken back.
    WITHDRAWABLE = members(AWAITING_ENDORSEMENT, SUBMITTED, UNDER_REVIEW, MORE_INFO_REQUESTED)
    # Open for review: assignments, conflict answers and scores.
    REVIEWABLE = members(SUBMITTED, UNDER_REVIEW, MORE_INFO_REQUESTED)
    # Waiting for a decision (not while the group answers a question).
    DECIDABLE = members(SUBMITTED, UNDER_REVIEW)

    _labels = enum.nonmember({
        "draft": _l("Draft, not sent"),
        "awaiting_endorsement": _l("Waiting for the intermediary"),
        "submitted": _l("Sent"),
        "under_review": _l("Being reviewed"),
        "more_info_requested": _l("More information asked for"),
        "approved": _l("Approved"),
        "declined": _l("Not funded"),
        "withdrawn": _l("Withdrawn"),
    })


class RiskLevel(Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    _labels = enum.nonmember({
        "low": _l("Low: we can work openly and threats are rare."),
        "medium": _l("Medium: we have been threatened or harassed, and we take care."),
        "high": _l("High: we are in serious danger now, for example attacks, arrest or "
                   "surveillance."),
    })


class RapidCategory(Labelled):
    """What a rapid-response request is for (Section IV.5); in-country first (IV.4)."""

    IN_COUNTRY = "in_country"  # security measures, digital, legal, medical, psychosocial
    RELOCATION = "relocation"  # temporary; asks why in-country protection is not enough
    DEPENDANTS = "dependants"
    RETURN = "return"  # return after relocation
    RECOVERY = "recovery"  # after-crisis recovery

    _labels = enum.nonmember({
        "in_country": _l("Protection where they are: security measures, digital security, "
                         "legal support, medical care, psychosocial support"),
        "relocation": _l("Temporary relocation"),
        "dependants": _l("Support for dependants"),
        "return": _l("Returning home after relocation"),
        "recovery": _l("Recovery after the crisis"),
    })
    _short_labels = enum.nonmember({
        "in_country": _l("In-country protection"),
        "relocation": _l("Relocation"),
        "dependants": _l("Dependants"),
        "return": _l("Return"),
        "recovery": _l("Recovery"),
    })

    @property
    def short_label(self):
        """The word a table row or a chart's bar gives it (the portfolio)."""
        return self.worded("_short_labels")


class BudgetCategory(Labelled):
    CORE_OPERATING = "core_operating"
    PROGRAMME = "programme"
    PROTECTION_SECURITY = "protection_security"
    DIGITAL_SECURITY = "digital_security"
    PSYCHOSOCIAL = "psychosocial"
    RELOCATION = "relocation"
    IN_COUNTRY_PROTECTION = "in_country_protection"
    DEPENDANTS_SUPPORT = "dependants_support"
    CONVENING = "convening"
    OTHER = "other"

    _labels = enum.nonmember({
        "core_operating": _l("Running costs of the group (rent, phones, salaries)"),
        "programme": _l("Activities"),
        "protection_security": _l("Protection and security"),
        "digital_security": _l("Digital security"),
        "psychosocial": _l("Psychosocial support and well-being"),
        "relocation": _l("Temporary relocation"),
        "in_country_protection": _l("Protection in your own country"),
        "dependants_support": _l("Support for family and dependants"),
        "convening": _l("Meetings and gatherings"),
        "other": _l("Other"),
    })

    _rapid_labels = enum.nonmember({
        "protection_security": _l("Security measures"),
        "digital_security": _l("Digital security"),
        "in_country_protection": _l("Legal support or medical care"),
        "psychosocial": _l("Psychosocial support"),
        "relocation": _l("Travel and a safe place to stay"),
        "dependants_support": _l("Care costs: childcare, dependants"),
        "other": _l("Other"),
    })

    @property
    def rapid_label(self):
        """How the rapid-response request words the line (shorter, in a defender's terms)."""
        return self.worded("_rapid_labels")


# Budget categories that count as the protection/security line (IV.8) and the
# psychosocial/well-being line (IV.10) every budget must carry.
PROTECTION_CATEGORIES = frozenset({
    BudgetCategory.PROTECTION_SECURITY, BudgetCategory.DIGITAL_SECURITY,
    BudgetCategory.IN_COUNTRY_PROTECTION, BudgetCategory.RELOCATION,
})
PSYCHOSOCIAL_CATEGORIES = frozenset({BudgetCategory.PSYCHOSOCIAL})


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint("amount_requested_minor >= 0", name="amount_nonnegative"),
        sa.Index("ix_applications_status_submitted_at", "status", "submitted_at"),
        # The officers' review queue (grants/review/services.py): counted per call with its
        # filters from this index alone; its country filter walks the second.
        sa.Index("ix_applications_queue", "status", "call_id", "country", "assigned_officer_id",
                 "id"),
        sa.Index("ix_applications_country_status", "country", "status"),
        # The portfolio's rapid-response figures: the requests sent in a period.
        sa.Index("ix_applications_rapid_submitted_at", "submitted_at",
                 sqlite_where=sa.text("rapid_category IS NOT NULL"),
                 postgresql_where=sa.text("rapid_category IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Set when an unregistered group applies through an intermediary.
    intermediary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    # A neutral code shown to staff by default instead of identifying details.
    code_name: Mapped[str] = mapped_column(sa.String(32), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.DRAFT
    )
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    # What the group typed: encrypted, like every free text a group or defender types.
    title: Mapped[str] = mapped_column(EncryptedText("applications.title"), default="")
    country: Mapped[str] = mapped_column(sa.String(2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_requested_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    risk_level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel), default=RiskLevel.LOW)
    threat_description: Mapped[str | None] = mapped_column(
        EncryptedText("applications.threat_description")
    )
    safe_contact: Mapped[str | None] = mapped_column(EncryptedText("applications.safe_contact"))
    # Self-described, optional (Section IV.2); only ever aggregated with suppression.
    focus_populations: Mapped[list[str] | None] = mapped_column(
        EncryptedJSON("applications.focus_populations")
    )
    current_step: Mapped[int] = mapped_column(default=1, server_default="1")
    # Budget rows as typed, kept while any row is invalid so nothing typed is lost.
    budget_draft: Mapped[list[dict] | None] = mapped_column(
        EncryptedJSON("applications.budget_draft")
    )
    # True when the applicant uploaded a proposal written for another funder (IV.6).
    reused_proposal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The intermediary's answer to a routed application, and its note (for the funder).
    endorsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    endorsed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    endorsement_note: Mapped[str | None] = mapped_column(
        EncryptedText("applications.endorsement_note")
    )
    # The group asked the funder to find an intermediary for it.
    wants_intermediary_found: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    # The program officer who carries the application through review and decision.
    assigned_officer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A rapid-response request. `on_behalf`: a partner organisation (this
    # application's organisation) filed it for a defender it names only by an alias.
    rapid_category: Mapped[RapidCategory | None] = mapped_column(enum_column(RapidCategory))
    on_behalf: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    defender_alias: Mapped[str | None] = mapped_column(EncryptedText("applications.defender_alias"))
    needs_now: Mapped[str | None] = mapped_column(EncryptedText("applications.needs_now"))
    # The language they wrote in, as they name it (any language, free text).
    written_in: Mapped[str | None] = mapped_column(EncryptedText("applications.written_in"))
    relocation_justification: Mapped[str | None] = mapped_column(
        EncryptedText("applications.relocation_justification")
    )
    gender_risk: Mapped[str | None] = mapped_column(EncryptedText("applications.gender_risk"))
    # The decision target, fixed at sending from the fund's rapid_response_target_hours.
    rapid_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When an officer asked the defender a question on the request's thread; cleared when
    # the group writes back (grants.messages.services.post_message). The clock keeps running.
    awaiting_answer_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The longer-term call an officer invited the group to after an emergency award, and
    # on the draft that invitation opened, the emergency request it follows.
    invited_to_call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"))
    follows_application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship(foreign_keys=[call_id])  # noqa: F821
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])  # noqa: F821
    intermediary: Mapped[Organisation | None] = relationship(  # noqa: F821
        foreign_keys=[intermediary_id]
    )
    answers: Mapped[list[ApplicationAnswer]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="BudgetLine.id"
    )
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", cascade="all, delete-orphan", lazy="select"
    )
    history: Mapped[list[ApplicationStatusChange]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationStatusChange.id",
    )

    @property
    def answer_awaited(self) -> bool:
        """An officer's question to the group waits for its answer, the request undecided."""
        return self.awaiting_answer_since is not None and self.decided_at is None


class ApplicationAnswer(db.Model):
    __tablename__ = "application_answers"
    __table_args__ = (sa.UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("call_questions.id"))
    text: Mapped[str] = mapped_column(EncryptedText("application_answers.text"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[CallQuestion] = relationship()  # noqa: F821


class ApplicationDocument(db.Model):
    """An uploaded file (a reused proposal or a required attachment), encrypted at rest."""

    __tablename__ = "application_documents"
    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(32), default="reused_proposal")
    filename: Mapped[str] = mapped_column(EncryptedText("application_documents.filename"))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Deferred: listing documents never loads their content.
    content: Mapped[bytes] = mapped_column(
        EncryptedBytes("application_documents.content"), deferred=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")


class ApplicationStatusChange(db.Model):
    __tablename__ = "application_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ApplicationStatus | None] = mapped_column(enum_column(ApplicationStatus))
    to_status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(EncryptedText("application_status_changes.note"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="history")


class BudgetLine(db.Model):
    """A budget line of an application or of an award, for one year of it (1-based)."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        sa.CheckConstraint("amount_minor >= 0", name="amount_nonnegative"),
        sa.CheckConstraint("year >= 1", name="year_positive"),
        sa.CheckConstraint(
            "(application_id IS NULL) <> (award_id IS NULL)", name="one_owner"
        ),
        # The portfolio sums the awards' lines per category from this index alone.
        sa.Index("ix_budget_lines_award_amounts", "award_id", "category", "currency",
                 "amount_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    award_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[BudgetCategory] = mapped_column(enum_column(BudgetCategory))
    year: Mapped[int] = mapped_column(default=1, server_default="1")
    # Typed by the group (or an officer amending an award): it can tell what they do.
    description: Mapped[str] = mapped_column(
        EncryptedText("budget_lines.description"), default="")
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))

    application: Mapped[Application | None] = relationship(back_populates="budget_lines")
