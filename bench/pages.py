"""The pages the benchmark loads, found in a bench database: who sees them and where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

APPLICANT = "bench-owner-1"
OFFICER = "bench-officer-1"
COUNTING_OFFICER = "bench-officer-2"  # in-process counts: a session of its own


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    user: str | None = None
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()  # the POST body, without its CSRF token
    csrf_from: str | None = None  # the page whose form gives the token


def find_pages(app) -> tuple[list[Page], list[str]]:
    """The pages to measure in this database, and notes on those skipped."""
    from grants.extensions import db
    from grants.models import Application, Award, AwardStatus, CallQuestion, Message

    with app.app_context():
        draft = db.session.scalar(sa.select(Application).where(
            Application.code_name == "BN-0000001"))
        questions = db.session.scalars(sa.select(CallQuestion.id).where(
            CallQuestion.call_id == draft.call_id).order_by(CallQuestion.position)).all()
        # An award of the same shape at every scale: three years, in its second year
        # (year 1 paid and reported on), so that counts compare like with like.
        today = date.today()
        # Its application has one message, so the thread is shown at every scale too.
        shaped = sa.select(Award.id).where(
            Award.status == AwardStatus.ACTIVE, Award.years == 3,
            Award.application_id.is_not(None),
            Award.start_date.between(today - timedelta(days=600), today - timedelta(days=420))
        ).order_by(Award.id).limit(1)
        award = db.session.scalar(shaped.where(Award.application_id.in_(
            sa.select(Message.application_id)))) or db.session.scalar(shaped)
        step = f"/applications/{draft.id}/step/2"
        answers = tuple((f"q{q}", "We keep the river and those who defend it safe. " * 3)
                        for q in questions)
        pages = [
            Page("bare route", "/_bench/bare"),
            # Floors: what any logged-in request, and any logged-in page, costs.
            Page("bare route, logged in", "/_bench/session", APPLICANT),
            Page("empty page, logged in", "/_bench/page", APPLICANT),
            Page("call list", "/calls/"),
            Page("apply form (GET)", step, APPLICANT),
            Page("save draft step (POST)", step, APPLICANT, "POST",
                 (*answers, ("go", "save")), csrf_from=step),
            Page("review queue", "/review/", OFFICER),
            Page("award page", f"/awards/{award}", OFFICER),
        ]
        notes = []
        if "reporting.index" in app.view_functions:
            pages.append(Page("portfolio dashboard", "/portfolio/", OFFICER))
        else:
            notes.append("portfolio dashboard: no route reporting.index yet; skipped")
    return pages, notes
