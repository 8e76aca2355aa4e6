"""The defenders' voice: anonymous survey, consultation log, peer directory.

Each view loads, asks the policy (404 when the object may not be known, 403 when it may be
seen but not acted on), validates its form, calls a service, commits once and redirects.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.countries import countries, country_name
from grants.errors import ServiceError
from grants.extensions import db
from grants.ids import id_or_none, parse_id, parse_page
from grants.models import Consultation, Fund, SurveyInvitation
from grants.models.types import utcnow
from grants.policy import Permission, can, require
from grants.rescue import rescuable, rescued_formdata
from grants.security import audit
from grants.voice import consultations, directory, survey
from grants.voice import forms as voice_forms
from grants.web import attach_error

bp = Blueprint("voice", __name__)


@bp.context_processor
def _helpers():
    return {"scale_ends": voice_forms.SCALE_ENDS, "country_name": country_name}


def _formdata() -> dict:
    data = rescued_formdata() if request.method == "GET" else None
    return {"formdata": data} if data else {}


# The anonymous survey ----------------------------------------------------------------------

# Not @rescuable: a rescued draft is kept bound to the account, which would tie the answer
# to its author while it waits. Three clicks are quicker to redo than that is worth.
@bp.route("/survey/<int:invitation_id>", methods=["GET", "POST"])
def survey_page(invitation_id: int):
    invitation = db.session.get(SurveyInvitation, invitation_id)
    if invitation is None or not _offered_to_me(invitation):
        abort(404)
    if not can(current_user, Permission.ANSWER_SURVEY, invitation):
        return render_template("voice/survey_closed.html"), 403
    form = voice_forms.SurveyForm()
    if request.method == "POST" and request.form.get("action") == "decline":
        return _close(lambda: survey.decline(current_user, invitation),
                      _("No answer was stored. Thank you all the same."))
    if form.validate_on_submit():
        done = _close(lambda: survey.answer(
            current_user, invitation, respectful=form.respectful.data,
            burden=form.burden.data, useful=form.useful.data, change=form.change.data),
            _("Thank you. Your answer was stored without your name or your group's."),
            form)
        if done is not None:
            return done
    return render_template("voice/survey.html", form=form, invitation=invitation)


def _offered_to_me(invitation: SurveyInvitation) -> bool:
    # Only its group's members learn the invitation exists (grants.policy has the rule).
    return can(current_user, Permission.VIEW_SURVEY_INVITATION, invitation)


def _close(action, message: str, form=None):
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        if form is None:
            flash(exc.message, "error")
            return redirect(url_for("main.home"))
        attach_error(form, exc)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("main.home"))


_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


def _period(text: str) -> tuple[str, date, date]:
    """A year ("2026") or a quarter ("2026-Q4"); this year when empty or not understood."""
    match = _PERIOD.match(text or "")
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        year = utcnow().year
        return str(year), date(year, 1, 1), date(year, 12, 31)
    year, quarter = int(match.group(1)), match.group(2)
    if quarter is None:
        return str(year), date(year, 1, 1), date(year, 12, 31)
    first = 3 * (int(quarter) - 1) + 1
    last = date(year + 1, 1, 1) if first == 10 else date(year, first + 3, 1)
    return f"{year}-Q{quarter}", date(year, first, 1), date.fromordinal(last.toordinal() - 1)


@bp.route("/survey/results")
def survey_results():
    require(Permission.VIEW_SURVEY_RESULTS)
    asked = request.args.get("period", "")
    period, date_from, date_to = _period(asked)
    if asked and asked != period:
        flash(_("Write a year (2026) or a quarter (2026-Q4). Showing %(period)s.",
                period=period), "error")
    return render_template("voice/results.html", period=period,
                           quarters=survey.results(date_from, date_to),
                           minimum=survey.MIN_ANSWERS)


# The consultation log ------------------------------------------------------------------------

def _funds() -> list[Fund]:
    return list(db.session.scalars(db.select(Fund).order_by(Fund.name)))


def _consultation_form(obj: Consultation | None = None):
    data = {}
    if obj is not None:
        data = {k: getattr(obj, k) for k in (
            "held_on", "topic", "participants", "heard", "commitment", "outcome")}
        data |= {"fund_id": str(obj.fund_id or ""), "country": obj.country or "",
                 "commitment_status": obj.commitment_status.value}
        for n, (label, count) in enumerate(sorted((obj.participant_counts or {}).items()), 1):
            data |= {f"group{n}_label": label, f"group{n}_count": count}
    form = voice_forms.ConsultationForm(**_formdata(), data=data)
    form.fund_id.choices = [("", _("No particular fund")),
                            *((str(f.id), f.name) for f in _funds())]
    form.country.choices = [("", _("No country (regional or online)")),
                            *countries(g.get("lang", "en"))]
    return form


def _chosen_id(text: str | None) -> int | None:
    """None for no choice; -1 (no such row: the service says to choose from the list) for
    text that names no id."""
    return (id_or_none(text) or -1) if text else None


def _details(form) -> consultations.Details:
    return consultations.Details(
        held_on=form.held_on.data, topic=form.topic.data or "",
        participants=form.participants.data,
        fund_id=_chosen_id(form.fund_id.data),
        country=form.country.data or None,
        groups=[(form[f"group{n}_label"].data or "", form[f"group{n}_count"].data)
                for n in range(1, consultations.MAX_GROUPS + 1)],
        heard=form.heard.data or "", commitment=form.commitment.data or "",
        commitment_status=form.commitment_status.data or "", outcome=form.outcome.data or "")


def _load_consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not can(current_user, Permission.VIEW_CONSULTATIONS):
        abort(404)
    return consultation


@bp.route("/consultations")
def consultations_index():
    require(Permission.VIEW_CONSULTATIONS)
    fund_id = request.args.get("fund", type=parse_id)
    page = consultations.page(fund_id, request.args.get("page", 1, parse_page))
    return render_template("voice/consultations.html", funds=_funds(), fund_id=fund_id,
                           page=page)


@bp.route("/consultations/new", methods=["GET", "POST"])
@rescuable
def new_consultation():
    require(Permission.MANAGE_CONSULTATIONS)
    form = _consultation_form()
    if form.validate_on_submit():
        try:
            consultation = consultations.record(current_user, _details(form))
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Consultation recorded."), "success")
            return redirect(url_for("voice.consultation", consultation_id=consultation.id))
    return render_template("voice/consultation_form.html", form=form, consultation=None)


@bp.route("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    return render_template("voice/consultation.html",
                           consultation=_load_consultation(consultation_id))


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@rescuable
def edit_consultation(consultation_id: int):
    consultation = _load_consultation(consultation_id)
    require(Permission.MANAGE_CONSULTATIONS, consultation)
    form = _consultation_form(consultation)
    if form.validate_on_submit():
        try:
            changed = consultations.update(current_user, consultation, _details(form))
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("voice.consultation", consultation_id=consultation.id))
    return render_template("voice/consultation_form.html", form=form,
                           consultation=consultation)


# The peer directory --------------------------------------------------------------------------

@bp.route("/directory")
def peer_directory():
    require(Permission.VIEW_DIRECTORY)
    country = request.args.get("country") or None
    page = directory.entries(current_user, country=country,
                             page_number=request.args.get("page", 1, parse_page))
    # Peers' contacts are read: who looked and when is kept (a scraping account shows).
    audit.record(current_user, "directory.viewed")
    db.session.commit()
    return render_template("voice/directory.html", page=page, country=country,
                           countries=directory.countries_listed(),
                           own=directory.own_listings(current_user))
