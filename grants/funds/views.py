"""Funds: officers see them, admins set them up."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import money
from grants.extensions import db
from grants.funds.forms import FundForm
from grants.funds.services import FIELDS, save_fund
from grants.models import Fund
from grants.policy import Permission, require
from grants.web import act

bp = Blueprint("funds", __name__, url_prefix="/funds")


@bp.route("/")
def index():
    require(Permission.VIEW_FUNDS)
    funds = db.session.scalars(sa.select(Fund).order_by(Fund.name)).all()
    return render_template("funds/index.html", funds=funds)


def _form(fund: Fund | None) -> FundForm:
    form = FundForm(obj=fund)
    form.currency.choices = [(c, c) for c in money.CURRENCIES]
    if fund is not None and not form.is_submitted():
        form.envelope.data = money.plain_amount(fund.envelope_minor, fund.currency)
    return form


def _save(fund: Fund | None):
    form = _form(fund)
    if done := act(form, lambda: save_fund(current_user, fund, currency=form.currency.data,
                                           envelope=form.envelope.data,
                                           **{k: form.data[k] for k in FIELDS}),
                   _("Saved."), lambda result: url_for("funds.index")):
        return done
    return render_template("funds/form.html", form=form, fund=fund)


@bp.route("/new", methods=["GET", "POST"])
def create():
    require(Permission.MANAGE_FUNDS)
    return _save(None)


@bp.route("/<int:fund_id>/edit", methods=["GET", "POST"])
def edit(fund_id: int):
    require(Permission.VIEW_FUNDS)
    fund = db.session.get(Fund, fund_id) or abort(404)
    require(Permission.MANAGE_FUNDS)
    return _save(fund)
