"""Organisations: list, create, read, edit, verify."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.auth.forms import ConfirmForm
from grants.auth.redirects import next_arg
from grants.countries import countries
from grants.extensions import db
from grants.models import Membership, Organisation, OrgKind
from grants.organisations import services
from grants.organisations.forms import OrganisationForm
from grants.organisations.queries import name_page
from grants.policy import Permission, can, require
from grants.rescue import rescuable
from grants.security import reveal
from grants.web import act, rescued, shown

bp = Blueprint("organisations", __name__, url_prefix="/orgs")
PAGE_SIZE = 50


def _load(org_id: int) -> Organisation:
    return shown(Organisation, org_id, Permission.VIEW_ORGANISATION)


def _form(obj=None, *, creating: bool) -> OrganisationForm:
    form = OrganisationForm(obj=obj, **rescued())
    kinds = [k for k in OrgKind if can(current_user, Permission.CREATE_ORGANISATION, k)]
    form.kind.choices = [(k.value, k.label) for k in kinds]
    form.country.choices = [("", _("Choose a country")), *countries(g.get("lang", "en"))]
    if not creating:
        del form.kind
    return form


def _values(form: OrganisationForm) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) else v
            for k, v in form.data.items() if k in services.EDITABLE}


@bp.route("/")
def index():
    q = sa.select(Organisation)
    if not can(current_user, Permission.LIST_ALL_ORGANISATIONS):
        q = q.join(Membership).where(Membership.user_id == current_user.id)
    kind = request.args.get("kind")
    if kind in OrgKind._value2member_map_:
        q = q.where(Organisation.kind == OrgKind(kind))
    page = name_page(q, None, PAGE_SIZE)
    return render_template("organisations/index.html", page=page, kind=kind,
                           kinds=OrgKind.choices())


@bp.route("/new", methods=["GET", "POST"])
@rescuable
def create():
    require(Permission.CREATE_ORGANISATION)
    form = _form(creating=True)
    if done := act(form, lambda: services.create_organisation(
            current_user, kind=OrgKind(form.kind.data), **_values(form)),
            _("Saved."),  # then back to the form that sent them here
            lambda org: next_arg() or url_for("organisations.show", org_id=org.id)):
        return done
    return render_template("organisations/form.html", form=form, org=None, next=next_arg())


@bp.route("/<int:org_id>")
def show(org_id: int):
    org = _load(org_id)
    # Staff see the group's risk: the highest of its applications' (one rule, reveal.py).
    risk = reveal.group_risk(org) if can(current_user, Permission.LIST_ALL_ORGANISATIONS) \
        else None
    return render_template("organisations/show.html", org=org, verify_form=ConfirmForm(),
                           kind_label=org.kind.label,
                           risk_label=risk.label if risk else None)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@rescuable
def edit(org_id: int):
    org = _load(org_id)
    require(Permission.EDIT_ORGANISATION, org)
    form = _form(org, creating=False)
    if done := act(form, lambda: services.update_organisation(current_user, org,
                                                            **_values(form)),
                   _("Saved."), lambda result: url_for("organisations.show", org_id=org.id)):
        return done
    return render_template("organisations/form.html", form=form, org=org)


@bp.route("/<int:org_id>/verify", methods=["POST"])
def verify(org_id: int):
    org = _load(org_id)
    require(Permission.VERIFY_ORGANISATION, org)
    if ConfirmForm().validate_on_submit():
        services.set_verified(current_user, org, request.form.get("verified") == "1")
        db.session.commit()
    return redirect(url_for("organisations.show", org_id=org.id))
