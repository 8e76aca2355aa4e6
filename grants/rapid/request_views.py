"""The rapid-response request: one page, sent at once. A defender files for
themselves; a partner organisation's member may file for a defender, on their behalf.

A defender without an account files in one visit: the same page asks a user
name and a password, makes the account and their individual profile with the request, logs
them in and shows the recovery code once, then the request. A defender logged in without
a profile is asked only their country; their profile is made with the request."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.auth import services as accounts
from grants.auth import sessions
from grants.countries import countries
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallStatus, CallType, Organisation, User
from grants.policy import Permission, can, may_file_for_others, require
from grants.rapid import forms as rapid_forms
from grants.rapid import request as rapid
from grants.rapid.blueprint import bp
from grants.rescue import rescuable, rescued_formdata
from grants.security import ratelimit
from grants.web import attach_error, public


def _groups() -> list[Organisation]:
    if not current_user.is_authenticated:
        return []
    return [m.organisation for m in current_user.memberships]


def _form_class(groups: list[Organisation]) -> type[rapid_forms.RapidForm]:
    if not current_user.is_authenticated:
        return rapid_forms.NewcomerRapidForm
    if not groups and can(current_user, Permission.CREATE_ORGANISATION):
        return rapid_forms.ProfileRapidForm
    return rapid_forms.RapidForm


def _form(call: Call, groups: list[Organisation]) -> rapid_forms.RapidForm:
    rescued = rescued_formdata()
    form = _form_class(groups)(**({"formdata": rescued} if rescued else {}),
                               data={"currency": call.currency, "category": "in_country",
                                     "risk_level": "high"})
    form.organisation.choices = rapid_forms.options((str(o.id), o.name) for o in groups)
    if "country" in form:
        form.country.choices = [("", _("Choose a country")), *countries(g.get("lang", "en"))]
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


def _file(form: rapid_forms.RapidForm, call: Call, groups: list[Organisation]):
    """Make what is missing (the account, the profile), then file; (filer, code, request).
    Everything is in one transaction: a refusal anywhere leaves nothing behind."""
    language = g.get("lang", "en")
    filer, code = current_user, None
    if not current_user.is_authenticated:
        ratelimit.check("register-ip", request.remote_addr or "unknown",
                        current_app.config["REGISTER_LIMIT_PER_IP"])
        filer, code = accounts.register(form.username.data, form.password.data,
                                        language=language)
    if "country" in form:
        groups = [rapid.individual_profile(filer, form.country.data)]
        form.organisation.data = str(groups[0].id)
    application = rapid.file_request(filer, call, _request(form, groups), language=language)
    return filer, code, application


def _sent(call: Call, filer: User, code: str | None, application_id: int):
    then = url_for("applications.show", application_id=application_id)
    if code is not None:
        sessions.start(filer)  # a fresh session (no fixation) before anything is kept in it
    db.session.commit()
    flash(_("Sent. We answer within %(hours)d hours.",
            hours=call.fund.rapid_response_target_hours), "success")
    if code is None:
        return redirect(then)
    # Shown once, in this response only (never in a URL, a log or an e-mail).
    return render_template("auth/recovery_code.html", code=code, first=True, then=then)


@bp.route("/applications/rapid/<int:call_id>", methods=["GET", "POST"])
@public
@rescuable
def new_request(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT \
            or call.call_type != CallType.RAPID_RESPONSE:
        abort(404)
    require(Permission.FILE_RAPID_REQUEST, call)  # anyone may file; staff may not
    groups = _groups()
    form = _form(call, groups)
    status = 200
    if form.validate_on_submit():
        try:
            filer, code, application = _file(form, call, groups)
        except ratelimit.RateLimited as exc:
            db.session.rollback()
            form.form_errors.append(_(str(exc)))
            status = 429
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            return _sent(call, filer, code, application.id)
    partner = any(may_file_for_others(current_user, o) for o in groups)
    return render_template("rapid/request.html", call=call, form=form, groups=groups,
                           partner=partner, call_text=call.text(g.lang),
                           newcomer="username" in form,
                           hours=call.fund.rapid_response_target_hours), status
