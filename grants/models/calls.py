"""Calls for proposals, their texts per language and their questions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import UTCDateTime, enum_column, utcnow


class CallType(Labelled):
    OPEN = "open"
    ROLLING = "rolling"
    RAPID_RESPONSE = "rapid_response"
    CONVENING = "convening"
    CORE_SUPPORT = "core_support"

    _labels = enum.nonmember({
        "open": _l("Open call (one deadline)"),
        "rolling": _l("Rolling (no deadline)"),
        "rapid_response": _l("Rapid response"),
        "convening": _l("Convening and networking"),
        "core_support": _l("Core support (multi-year)"),
    })


class CallStatus(Labelled):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    _labels = enum.nonmember({"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")})


# Bank questions that repeat a field the application form's first step asks for every call
# (the threats a group faces, how to reach it safely), with that field. A call cannot add
# them (question_bank); one that has them from before never shows them: the field answers.
ON_FIRST_STEP = {"risks": "threat_description", "safe_contact": "safe_contact"}


class Call(db.Model):
    __tablename__ = "calls"
    __table_args__ = (
        sa.CheckConstraint("amount_min_minor >= 0", name="amount_min_nonnegative"),
        sa.CheckConstraint("amount_max_minor >= amount_min_minor", name="amount_range"),
        sa.CheckConstraint(
            "min_protection_share_bp BETWEEN 0 AND 10000", name="protection_share_range"
        ),
        sa.CheckConstraint(
            "min_psychosocial_share_bp BETWEEN 0 AND 10000", name="psychosocial_share_range"
        ),
        sa.Index("ix_calls_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    call_type: Mapped[CallType] = mapped_column(enum_column(CallType))
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.DRAFT)
    # Languages the call is published in (ISO 639-1); its texts live in CallText.
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: rolling
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_min_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_max_minor: Mapped[int] = mapped_column(sa.BigInteger)
    allow_registered: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    allow_unregistered: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    allow_individuals: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    allow_intermediary_route: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    # Minimum shares of a budget's total, in basis points (100 = 1%).
    min_protection_share_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    min_psychosocial_share_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    # Documents an applicant must attach (counted in the burden budget).
    attachments_required: Mapped[int] = mapped_column(default=0, server_default="0")
    # Applicants may upload a proposal written for another funder instead of the long answers.
    allow_reused_proposal: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Years an award from this call may last (1 for project calls, several for core support).
    max_years: Mapped[int] = mapped_column(default=1, server_default="1")
    # The scoring rubric: a few criteria reviewers score 1-5 (empty: the default rubric).
    review_criteria: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    # A call an intermediary runs for its own sub-grants, funded by its regranting award;
    # its applications go to the intermediary's staff, never to the funder's officers.
    intermediary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    # use_alter: calls -> awards -> applications -> calls is a cycle.
    regranting_award_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("awards.id", use_alter=True)
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[Fund] = relationship()  # noqa: F821
    texts: Mapped[list[CallText]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallText.language"
    )
    questions: Mapped[list[CallQuestion]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallQuestion.position"
    )

    @property
    def asked_questions(self) -> list[CallQuestion]:
        """The questions applicants see and answer: all but those the first step asks."""
        return [q for q in self.questions if not q.on_first_step]

    def text(self, language: str) -> CallText | None:
        """The call's text in `language`, else its first language's."""
        by_lang = {t.language: t for t in self.texts}
        first = self.languages[0] if self.languages else None
        return by_lang.get(language) or by_lang.get(first) or next(iter(by_lang.values()), None)


class CallText(db.Model):
    __tablename__ = "call_texts"
    __table_args__ = (sa.UniqueConstraint("call_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(8))
    # In clear, also when an intermediary writes them: a call's texts are published.
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    call: Mapped[Call] = relationship(back_populates="texts")


class CallQuestion(db.Model):
    """One question of a call's short form, with its word limit."""

    __tablename__ = "call_questions"
    __table_args__ = (
        sa.UniqueConstraint("call_id", "position"),
        sa.CheckConstraint("word_limit > 0", name="word_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    position: Mapped[int]
    # A key from the question bank (mission, activities, ...) or "custom".
    bank_key: Mapped[str] = mapped_column(sa.String(32), default="custom")
    # Prompt per language: {"en": "...", "es": "..."}.
    prompts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    word_limit: Mapped[int] = mapped_column(default=150)
    required: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A long question that an uploaded proposal written for another funder may replace.
    replaceable: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    call: Mapped[Call] = relationship(back_populates="questions")

    @property
    def on_first_step(self) -> bool:
        """The application form's first step asks this of every call (ON_FIRST_STEP)."""
        return self.bank_key in ON_FIRST_STEP
