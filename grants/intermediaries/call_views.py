"""The intermediary's own short calls: set one up from a regranting award, list its
applications, and decide each (a sub-grant, or a decline the group reads). Only the
intermediary's staff see any of it; everyone else gets 404. Also the page where its
owners say which countries and themes it serves."""

from __future__ import annotations

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import money
from grants.applications.calls.display import end_of_day
from grants.extensions import db
from grants.intermediaries import awarding, calls, forms
from grants.intermediaries.blueprint import PAGE_SIZE, bp, load_award, org_themes
from grants.intermediaries.profile import update_profile
from grants.models import Application, Award, Call, Fund, Organisation, OrgKind, RegrantType
from grants.policy import Permission, can, require
from grants.rescue import rescuable
from grants.web import act, attach_each, group_label, rescued


@bp.route("/awards/<int:award_id>/calls/new", methods=["GET", "POST"])
@rescuable
def new_call(award_id: int):
    award = load_award(award_id)
    require(Permission.MANAGE_INTERMEDIARY_CALLS, award)
    form = forms.CallForm(**rescued())
    if done := act(form, lambda: calls.create_call(
            current_user, award, title=form.title.data,
            description=form.description.data or "", amount_min=form.amount_min.data,
            amount_max=form.amount_max.data, closes_at=end_of_day(form.closes_on.data)),
            _("Your call is set up as a draft: check its questions, then open it."),
            lambda call: url_for("calls.show", call_id=call.id), attach=attach_each):
        return done
    return render_template("intermediaries/call_form.html", award=award, form=form)


def _own_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None or call.intermediary_id is None \
            or not can(current_user, Permission.MANAGE_CALLS, call):
        abort(404)
    return call


@bp.route("/calls/<int:call_id>/applications")
def call_applications(call_id: int):
    call = _own_call(call_id)
    page = db.paginate(calls.applications_of(call), per_page=PAGE_SIZE, error_out=False)
    return render_template("intermediaries/call_applications.html", call=call, page=page,
                           text=call.text(g.lang))


@bp.route("/applications/<int:application_id>/decide", methods=["GET", "POST"])
@rescuable
def decide(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None or application.call.intermediary_id is None \
            or not can(current_user, Permission.VIEW_APPLICATION, application):
        abort(404)
    require(Permission.DECIDE_SUBGRANT_APPLICATION, application)
    award = db.session.get(Award, application.call.regranting_award_id)
    form = forms.SubGrantDecisionForm(**(rescued() or _defaults(application)))
    form.theme.choices = org_themes(award)
    if done := act(form, lambda: _decide(application, award, form),
                   _("Saved: the group is told there is news."),
                   lambda result: url_for(".call_applications", call_id=application.call_id)):
        return done
    return render_template("intermediaries/decide.html", application=application, form=form,
                           award=award)


def _defaults(application: Application) -> dict:
    if request.method == "POST":
        return {}
    return {"data": {"amount": money.plain_amount(application.amount_requested_minor,
                                                  application.currency)}}


def _decide(application: Application, award: Award, form: forms.SubGrantDecisionForm) -> None:
    if form.decision.data == "decline":
        calls.decline(current_user, application, form.message.data or "")
        return
    amount = money.to_minor(form.amount.data or "", award.currency, field="amount")
    calls.approve(current_user, application, amount_minor=amount,
                  category=form.category.data, theme=form.theme.data or "")


# What the intermediary serves -------------------------------------------------------------

@bp.route("/organisations/<int:org_id>/profile", methods=["GET", "POST"])
@rescuable
def profile(org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind != OrgKind.INTERMEDIARY \
            or not can(current_user, Permission.VIEW_ORGANISATION, org):
        abort(404)
    require(Permission.EDIT_ORGANISATION, org)
    form = forms.ProfileForm(**(rescued() or _current(org)))
    if done := act(form, lambda: update_profile(
            current_user, org, countries=form.serves_countries.data or "",
            themes=(form.themes.data or "").splitlines(),
            accepts_routed=form.accepts_routed.data == "yes"),
            _("Saved."), lambda result: url_for(".index")):
        return done
    return render_template("intermediaries/profile.html", org=org, form=form)


def _current(org: Organisation) -> dict:
    if request.method == "POST":
        return {}
    return {"data": {"serves_countries": ", ".join(org.serves_countries or []),
                     "themes": "\n".join(org.themes or []),
                     "accepts_routed": "yes" if org.accepts_routed_applications else "no"}}


# The funder's regranting award ------------------------------------------------------------

@bp.route("/awards/new", methods=["GET", "POST"])
@rescuable
def new_award():
    require(Permission.MAKE_REGRANTING_AWARD)
    form = forms.RegrantingAwardForm(**rescued())
    form.intermediary.choices = [(o.id, group_label(o)) for o in awarding.verified_intermediaries()]
    form.fund.choices = [(f.id, f"{f.name} ({f.currency})") for f in awarding.active_funds()]
    if done := act(form, lambda: _make_award(form),
                   lambda award: _("The regranting award is made.") if award.approved_at else
                   _("Above the two-person limit: a second officer confirms it on the award's "
                     "page."),
                   lambda award: url_for("awards.show", award_id=award.id)):
        return done
    return render_template("intermediaries/award_form.html", form=form)


def _make_award(form: forms.RegrantingAwardForm) -> Award:
    fund = db.session.get(Fund, form.fund.data)
    return awarding.make_regranting_award(
        current_user, db.session.get(Organisation, form.intermediary.data), fund,
        amount_minor=money.to_minor(form.amount.data, fund.currency, field="amount"),
        regranting_minor=money.to_minor(form.regranting.data, fund.currency,
                                        field="regranting"),
        start_date=form.start_date.data, years=form.years.data,
        regrant_type=RegrantType(form.regrant_type.data), conditions=form.conditions.data)
