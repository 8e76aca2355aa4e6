"""Awards, their tranches, amendments and reporting."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.reporting import Publication
from grants.models.types import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    UTCDateTime,
    enum_column,
    utcnow,
)


class SupportType(Labelled):
    CORE = "core"  # unrestricted / general support
    PROJECT = "project"

    _labels = enum.nonmember({"core": _l("Core support (unrestricted)"),
                              "project": _l("Project support")})
    # The officer choosing it reads what "unrestricted" means.
    _choice_labels = enum.nonmember({
        "core": _l("Core support (unrestricted: the group decides how to use it)")})

    @property
    def choice_label(self):
        return self.worded("_choice_labels")


class RegrantType(Labelled):
    """360Giving regrant types for awards to intermediaries."""

    COMMON_REGRANT = "FRG010"
    TRANSFER_TO_INTERMEDIARY = "FRG020"
    FISCAL_SPONSOR = "FRG050"

    _labels = enum.nonmember({
        "FRG010": _l("Common regrant (FRG010)"),
        "FRG020": _l("Transfer to an intermediary (FRG020)"),
        "FRG050": _l("Fiscal sponsor (FRG050)"),
    })


class AwardStatus(Labelled):
    PENDING_APPROVAL = "pending_approval"  # waiting for a second officer
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    _labels = enum.nonmember({
        "pending_approval": _l("Waiting for a second approval"),
        "active": _l("Active"),
        "suspended": _l("Suspended"),
        "closed": _l("Closed"),
        "cancelled": _l("Cancelled"),
    })
    # Inside a refusal's sentence ("This award is %(status)s."): lower case; an active award
    # is not refused.
    _sentence_labels = enum.nonmember({
        "pending_approval": _l("waiting for a second approval"),
        "suspended": _l("suspended"), "closed": _l("closed"), "cancelled": _l("cancelled"),
    })

    @property
    def in_sentence(self):
        return self.worded("_sentence_labels")


class Award(db.Model):
    __tablename__ = "awards"
    __table_args__ = (
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("years >= 1", name="years_positive"),
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        # The portfolio (grants/reporting/portfolio_money.py) reads the awards approved in a
        # period, and their budget lines, from this index alone.
        sa.Index("ix_awards_portfolio", "approved_at", "status", "fund_id", "currency",
                 "amount_minor", "organisation_id", "application_id", "regrant_type", "years",
                 "support_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id"), unique=True
    )
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    start_date: Mapped[date]
    end_date: Mapped[date]
    years: Mapped[int] = mapped_column(default=1, server_default="1")
    support_type: Mapped[SupportType] = mapped_column(enum_column(SupportType))
    regrant_type: Mapped[RegrantType | None] = mapped_column(enum_column(RegrantType))
    # For a regranting award: the part the intermediary may sub-grant (the rest may cover
    # its own costs). Sub-grants never add up to more.
    regranting_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[AwardStatus] = mapped_column(
        enum_column(AwardStatus), default=AwardStatus.ACTIVE
    )
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    # How the award appears in 360Giving open data (grants/reporting); protects by default.
    publication: Mapped[Publication] = mapped_column(
        enum_column(Publication), default=Publication.ANONYMOUS,
        server_default=Publication.ANONYMOUS.value,
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    second_approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the award became active (after the second approval, where one is needed).
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()  # noqa: F821
    fund: Mapped[Fund] = relationship()  # noqa: F821
    application: Mapped[Application | None] = relationship()  # noqa: F821
    budget_lines: Mapped[list[BudgetLine]] = relationship(  # noqa: F821
        cascade="all, delete-orphan", order_by="(BudgetLine.year, BudgetLine.id)",
        foreign_keys="BudgetLine.award_id",
    )
    amendments: Mapped[list[AwardAmendment]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="AwardAmendment.id"
    )
    tranches: Mapped[list[Tranche]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="Tranche.sequence"
    )
    report_requirements: Mapped[list[ReportRequirement]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="ReportRequirement.due_date"
    )


class TrancheStatus(Labelled):
    PLANNED = "planned"
    RELEASED = "released"
    PAID = "paid"
    CANCELLED = "cancelled"

    _labels = enum.nonmember({
        "planned": _l("Planned"), "released": _l("Released for payment"), "paid": _l("Paid"),
        "cancelled": _l("Cancelled"),
    })


class Tranche(db.Model):
    __tablename__ = "tranches"
    __table_args__ = (
        sa.UniqueConstraint("award_id", "sequence"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    due_date: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[TrancheStatus] = mapped_column(
        enum_column(TrancheStatus), default=TrancheStatus.PLANNED
    )
    # Released only once this report requirement's report is accepted.
    gating_requirement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("report_requirements.id", ondelete="SET NULL")
    )
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    award: Mapped[Award] = relationship(back_populates="tranches")
    gating_requirement: Mapped[ReportRequirement | None] = relationship()


class AmendmentKind(Labelled):
    NO_COST_EXTENSION = "no_cost_extension"
    SCHEDULE_CHANGE = "schedule_change"
    BUDGET_REALLOCATION = "budget_reallocation"
    REPORTING_CHANGE = "reporting_change"
    STATUS_CHANGE = "status_change"  # suspended, resumed or closed

    _labels = enum.nonmember({
        "no_cost_extension": _l("No-cost extension"), "schedule_change": _l("Schedule changed"),
        "budget_reallocation": _l("Budget reallocated"),
        "reporting_change": _l("Reporting changed"), "status_change": _l("Status changed"),
    })


class AwardAmendment(db.Model):
    """A change to an award after approval: who, when, what it was and what it became."""

    __tablename__ = "award_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AmendmentKind] = mapped_column(enum_column(AmendmentKind))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # {"before": ..., "after": ...} in plain figures and dates, no personal data.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(EncryptedText("award_amendments.reason"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award: Mapped[Award] = relationship(back_populates="amendments")
    actor: Mapped[User | None] = relationship()  # noqa: F821


class ReportKind(Labelled):
    SHORT_FORM = "short_form"
    CONVERSATION = "conversation"  # a recorded conversation instead of writing
    FINANCIAL = "financial"
    FINAL = "final"

    _labels = enum.nonmember({
        "short_form": _l("Short report"), "conversation": _l("Conversation"),
        "financial": _l("Financial report"), "final": _l("Final report"),
    })


class ReportRequirement(db.Model):
    __tablename__ = "report_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    due_date: Mapped[date]
    # A short report's questions (at most three), in the award's language.
    questions: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    # The last content-free reminder sent to the group, so one is sent once per window.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the deciding officer was told an emergency follow-up check-in is due.
    officer_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    award: Mapped[Award] = relationship(back_populates="report_requirements")
    reports: Mapped[list[Report]] = relationship(
        back_populates="requirement", cascade="all, delete-orphan"
    )


class ReportStatus(Labelled):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CHANGES_REQUESTED = "changes_requested"

    _labels = enum.nonmember({
        "draft": _l("Draft"), "submitted": _l("Sent, waiting for the officer"),
        "accepted": _l("Accepted"), "changes_requested": _l("More asked for"),
    })


class Report(db.Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report_requirements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind))
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.DRAFT
    )
    # Notes of a conversation (oral report) recorded by an officer.
    body: Mapped[str | None] = mapped_column(EncryptedText("reports.body"))
    # Answers to the requirement's questions, in order.
    answers: Mapped[list[str] | None] = mapped_column(EncryptedJSON("reports.answers"))
    # A report written for another funder, uploaded instead of answering (IV.6).
    filename: Mapped[str | None] = mapped_column(EncryptedText("reports.filename"))
    media_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None]
    content: Mapped[bytes | None] = mapped_column(
        EncryptedBytes("reports.content"), deferred=True
    )
    # What the officer asked for when sending the report back.
    officer_note: Mapped[str | None] = mapped_column(EncryptedText("reports.officer_note"))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Spending per budget category, in minor units: {"psychosocial": 12000, ...}.
    spending: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requirement: Mapped[ReportRequirement] = relationship(back_populates="reports")
