"""Demo data for the defenders' voice: survey answers (one quarter with enough to show, one
without), two consultations with what came of them, and a survey offered to Voices for
Land after its closed award's report was accepted."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    CommitmentStatus,
    Consultation,
    Fund,
    Report,
    ReportStatus,
    SurveyResponse,
    User,
)
from grants.voice import survey
from grants.voice.figures import quarter_of

# (respectful, burden, useful, what to change)
_ANSWERS = [
    (5, 2, 5, "Let us report by voice message."),
    (4, 2, 4, None),
    (5, 1, 5, "Pay the second tranche a little earlier in the year."),
    (4, 3, 4, None),
    (5, 2, 4, "Accept reports in Portuguese."),
    (3, 3, 4, None),
]
_EARLIER = [(4, 3, 3, None), (5, 2, 4, None)]  # fewer than 5: not shown


def load(users: dict[str, User], funds: dict[str, Fund]) -> None:
    today = date.today()
    this_quarter = quarter_of(today)
    earlier = quarter_of(today - timedelta(days=95))
    for period, answers in ((this_quarter, _ANSWERS), (earlier, _EARLIER)):
        for respectful, burden, useful, change in answers:
            db.session.add(SurveyResponse(period=period, respectful=respectful, burden=burden,
                                          useful=useful, change=change))
    officer = users["officer"]
    db.session.add_all([
        Consultation(
            held_on=today - timedelta(days=60), topic="Reporting burden for informal groups",
            fund_id=funds["core"].id, participants=14, participant_counts={"women": 9,
                                                                         "youth": 4},
            heard="Written reports in English take days; voice notes would take minutes.",
            commitment="Accept reports as a recorded conversation in any language.",
            commitment_status=CommitmentStatus.DONE,
            outcome="Officers now record conversations as reports (since this year).",
            recorded_by_id=officer.id),
        Consultation(
            held_on=today - timedelta(days=20), topic="Relocation and return",
            fund_id=funds["protection"].id, country="KE", participants=8,
            heard="Relocation grants end before return is safe; families are left out.",
            commitment="Add dependants' costs and a return line to emergency grants.",
            commitment_status=CommitmentStatus.IN_PROGRESS, recorded_by_id=officer.id),
    ])
    accepted = db.session.scalars(sa.select(Report).where(
        Report.status == ReportStatus.ACCEPTED)).first()
    if accepted is not None:
        survey.offer(accepted)
