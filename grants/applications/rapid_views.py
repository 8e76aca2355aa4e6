"""The rapid-response request: one page, sent at once (issue 7). A defender files for
themselves; a partner organisation's member may file for a defender, on their behalf."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.applications import rapid, rapid_forms
from grants.applications.views import bp
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallStatus, CallType, Organisation
from grants.policy import Permission, may_file_for_others, require
from grants.rescue import rescuable, rescued_formdata
from grants.web import attach_error


def _groups() -> list[Organisation]:
    return [m.organisation for m in current_user.memberships]


def _form(call: Call, groups: list[Organisation]) -> rapid_forms.RapidForm:
    rescued = rescued_formdata()
    form = rapid_forms.RapidForm(**({"formdata": rescued} if rescued else {}),
                                 data={"currency": call.currency, "category": "in_country",
                                       "risk_level": "high"})
    form.organisation.choices = rapid_forms.options((str(o.id), o.name) for o in groups)
    return form


def _request(form: rapid_forms.RapidForm, groups: list[Organisation]) -> rapid.Request:
    org = next((o for o in groups if str(o.id) == form.organisation.data), None)
    if org is None:
        raise ServiceError(_("Choose one of your own groups."), "organisation")
    lines = [rapid.Line(form[f"line{n}_category"].data or "",
                        form[f"line{n}_description"].data or "",
                        form[f"line{n}_amount"].data or "")
             for n in range(1, rapid.MAX_LINES + 1)]
    return rapid.Request(
        organisation=org, category=form.category.data or "",
        what_happened=form.what_happened.data, needs_now=form.needs_now.data,
        currency=form.currency.data, lines=lines, safe_contact=form.safe_contact.data,
        written_in=form.written_in.data,
        relocation_justification=form.relocation_justification.data or "",
        gender_risk=form.gender_risk.data or "", on_behalf=bool(form.on_behalf.data),
        defender_alias=form.defender_alias.data or "", risk_level=form.risk_level.data or "")


@bp.route("/rapid/<int:call_id>", methods=["GET", "POST"])
@rescuable
def rapid_request(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT \
            or call.call_type != CallType.RAPID_RESPONSE:
        abort(404)
    require(Permission.FILE_RAPID_REQUEST, call)
    groups = _groups()
    form = _form(call, groups)
    if form.validate_on_submit():
        try:
            application = rapid.file_request(current_user, call, _request(form, groups),
                                             language=g.get("lang", "en"))
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Sent. We answer within %(hours)d hours.",
                    hours=call.fund.rapid_response_target_hours), "success")
            return redirect(url_for(".show", application_id=application.id))
    partner = any(may_file_for_others(current_user, o) for o in groups)
    return render_template("rapid/request.html", call=call, form=form, groups=groups,
                           partner=partner, call_text=call.text(g.lang),
                           hours=call.fund.rapid_response_target_hours)
