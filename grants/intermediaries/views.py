"""The regranting workspace (/regranting): routed applications to endorse, pools per
regranting award, sub-grants to coded groups, their payments, and the upward report.

Each route loads, asks the policy (404: not to be seen, 403: not to be done), validates
its form, calls a service, commits once and redirects. One intermediary's staff never
learn that another's awards, sub-grants or applications exist (404)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    current_app,
    g,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants import money
from grants.applications import routing
from grants.countries import countries
from grants.extensions import db
from grants.intermediaries import forms, pool, report, subgrants
from grants.intermediaries.blueprint import PAGE_SIZE, bp, load_award, org_themes
from grants.models import Application, BudgetCategory, Call, PaymentRoute, SubGrant
from grants.policy import Permission, can, require
from grants.rescue import rescuable
from grants.web import act, rescued, shown


@bp.context_processor
def _routes():
    return {"view_functions": current_app.view_functions}


def my_org_ids() -> list[int]:
    return [m.organisation_id for m in current_user.memberships]


def _load_sub_grant(sub_grant_id: int) -> SubGrant:
    return shown(SubGrant, sub_grant_id, Permission.VIEW_SUBGRANT)


# The workspace ------------------------------------------------------------------------------

@bp.route("/")
def index():
    require(Permission.USE_REGRANTING)
    orgs = my_org_ids()
    awards = db.paginate(pool.regranting_awards(orgs), per_page=PAGE_SIZE, error_out=False)
    waiting = db.session.scalars(routing.awaiting_endorsement(orgs).limit(100)).all()
    calls = db.session.scalars(sa.select(Call).where(Call.intermediary_id.in_(orgs))
                               .options(selectinload(Call.texts))
                               .order_by(Call.created_at.desc()).limit(50)).all()
    return render_template("intermediaries/index.html", page=awards,
                           pools=pool.pools(list(awards.items)), waiting=waiting, calls=calls)


# Endorsing routed applications ----------------------------------------------------------------

@bp.route("/applications/<int:application_id>/endorse", methods=["GET", "POST"])
@rescuable
def endorse(application_id: int):
    application = shown(Application, application_id, Permission.VIEW_APPLICATION)
    require(Permission.ENDORSE_APPLICATION, application)
    form = forms.EndorseForm(**rescued())
    endorsing = form.decision.data == "endorse"
    if done := act(form, lambda: (routing.endorse if endorsing else routing.decline_endorsement)(
            current_user, application, form.note.data or ""),
            lambda result: _("Endorsed: it goes on to the funder's review.") if endorsing else
            _("Declined: the group reads your message in the portal."),
            lambda result: url_for(".index")):
        return done
    return render_template("intermediaries/endorse.html", application=application, form=form)


# Pools and sub-grants -------------------------------------------------------------------------

@bp.route("/awards/<int:award_id>")
def award(award_id: int):
    the_award = load_award(award_id)
    page = db.paginate(subgrants.sub_grants_of(the_award), per_page=PAGE_SIZE,
                       error_out=False)
    return render_template("intermediaries/award.html", award=the_award,
                           pool=pool.pool(the_award), page=page,
                           category_label=BudgetCategory.label_of)


@bp.route("/awards/<int:award_id>/sub-grants/new", methods=["GET", "POST"])
@rescuable
def new_sub_grant(award_id: int):
    the_award = load_award(award_id)
    require(Permission.MANAGE_SUBGRANTS, the_award)
    form = forms.SubGrantForm(**rescued())
    form.country.choices = [("", "")] + list(countries(g.get("lang", "en")))
    form.theme.choices = org_themes(the_award)
    if done := act(form, lambda: subgrants.make_sub_grant(
            current_user, the_award, recipient_code=form.recipient_code.data,
            amount_minor=money.to_minor(form.amount.data, the_award.currency, field="amount"),
            country=form.country.data, purpose=form.purpose.data or "",
            category=form.category.data, theme=form.theme.data or "",
            recipient_details=(form.recipient_details.data
                               if form.keep_details.data == "encrypted" else None)),
            _("The sub-grant is made."), lambda result: url_for(".award", award_id=the_award.id)):
        return done
    return render_template("intermediaries/sub_grant_form.html", award=the_award, form=form,
                           pool=pool.pool(the_award))


@bp.route("/sub-grants/<int:sub_grant_id>")
def sub_grant(sub_grant_id: int):
    grant = _load_sub_grant(sub_grant_id)
    return render_template("intermediaries/sub_grant.html", grant=grant,
                           category_label=BudgetCategory.label_of,
                           may_pay=can(current_user, Permission.MANAGE_SUBGRANTS, grant.award)
                           and subgrants.left_to_pay(grant) > 0)


@bp.route("/sub-grants/<int:sub_grant_id>/payments/new", methods=["GET", "POST"])
@rescuable
def record_payment(sub_grant_id: int):
    grant = _load_sub_grant(sub_grant_id)
    require(Permission.MANAGE_SUBGRANTS, grant.award)
    form = forms.PaymentForm(**rescued())
    if done := act(form, lambda: subgrants.record_payment(
            current_user, grant, route=PaymentRoute(form.route.data),
            amount_minor=money.to_minor(form.amount.data, grant.currency, field="amount"),
            paid_on=form.paid_on.data, reference=form.reference.data,
            advance=form.advance.data == "yes"),
            _("The payment is recorded."),
            lambda result: url_for(".sub_grant", sub_grant_id=grant.id)):
        return done
    return render_template("intermediaries/payment_form.html", grant=grant, form=form,
                           pool=pool.pool(grant.award))


# The upward report ----------------------------------------------------------------------------

@bp.route("/awards/<int:award_id>/report")
def upward_report(award_id: int):
    the_award = load_award(award_id, Permission.VIEW_UPWARD_REPORT)
    return render_template("intermediaries/report.html", award=the_award,
                           report=report.upward_report(the_award), min_cell=report.MIN_CELL,
                           regranting_pool=pool.pool(the_award),
                           category_label=BudgetCategory.label_of)
