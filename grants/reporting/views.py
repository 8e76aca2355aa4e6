"""The portfolio dashboard for officers and admins: Section IV in figures.

One GET page: a period (this calendar year unless chosen) and optionally a fund, with the
period before it beside it. Every figure is an SQL aggregate (grants/reporting/portfolio*.py);
the page runs the same number of queries however many grants there are. Nothing on it is
about one defender: focus populations are counts with those under 5 suppressed.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from grants.extensions import db
from grants.models import Fund, RapidCategory
from grants.models.types import utcnow
from grants.policy import Permission, require
from grants.reporting import dashboard, portfolio, portfolio_display, portfolio_forms
from grants.voice import figures as voice

bp = Blueprint("reporting", __name__, url_prefix="/portfolio")


@bp.context_processor
def _helpers():
    return portfolio_display.template_helpers()


def _voice(period: portfolio.Period, fund_id: int | None) -> dict:
    """The defenders' voice (IV.12): survey averages (hidden under 5 answers) and what came
    out of consultations, from grants/reporting/voice.py."""
    return {"survey": voice.survey_summary(period.start, period.end),
            "consultations": voice.consultation_summary(period.start, period.end,
                                                        fund_id=fund_id, with_texts=True)}


@bp.route("/")
def index():
    require(Permission.VIEW_PORTFOLIO)
    funds = db.session.scalars(sa.select(Fund).order_by(Fund.name)).all()
    form = portfolio_forms.PeriodForm(request.args, funds, utcnow().date())
    valid = form.validate()
    period = form.period() if valid else portfolio.Period.calendar_year(utcnow().year)
    fund_id = form.fund_id() if valid else None
    figures = dashboard.dashboard(period, fund_id)
    return render_template("reporting/portfolio.html", form=form, f=figures,
                           fund=next((x for x in funds if x.id == fund_id), None),
                           voice=_voice(period, fund_id), rapid_categories=list(RapidCategory))
