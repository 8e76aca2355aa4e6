"""Ledger pages: the officers' list of disbursements, one disbursement with its history and
actions, scheduling a payment out of a released tranche, and the country context admins
keep.

Each view loads, asks the policy (404 if the object may not be seen, 403 if it may not be
acted on), validates its form, calls a ledger service, commits once and redirects. A
refused action shows the page again with what was typed and why.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import money
from grants.countries import countries, is_country
from grants.errors import ServiceError
from grants.extensions import db
from grants.ids import parse_id
from grants.models import DisbursementStatus, Fund, PaymentRoute, Tranche
from grants.payments import countries as country_service
from grants.payments import forms, ledger, queries, routes
from grants.policy import Permission, can, require
from grants.rescue import rescuable
from grants.web import act, attach_error, rescued

bp = Blueprint("payments", __name__, url_prefix="/payments")
PAGE_SIZE = 25
WAITING_LABELS = forms.WAITING_LABELS


def load(disbursement_id: int):
    """The disbursement, or 404 if this user may not see (and so manage) it."""
    d = queries.for_page(disbursement_id)
    if d is None or not can(current_user, Permission.MANAGE_DISBURSEMENT, d):
        abort(404)
    return d


# The ledger --------------------------------------------------------------------------------

@bp.route("/")
def index():
    require(Permission.VIEW_LEDGER)
    state, route = request.args.get("state", ""), request.args.get("route", "")
    fund_id = request.args.get("fund", type=parse_id)
    page = db.paginate(queries.ledger_query(current_user, state, route, fund_id),
                       per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "payments/index.html", page=page, state=state, route=route, fund_id=fund_id,
        states=list(DisbursementStatus), routes=list(PaymentRoute),
        funds=db.session.scalars(db.select(Fund).order_by(Fund.name)).all(),
        waiting_for=queries.waiting_for, waiting_labels=WAITING_LABELS)


@bp.route("/<int:disbursement_id>")
def show(disbursement_id: int):
    return _page(load(disbursement_id))


def _page(d, **forms_in_error):
    waiting_key = queries.waiting_for(d, current_user)
    action_forms = {"approve_form": forms.ActionForm(formdata=None),
                    "send_form": forms.SendForm(formdata=None),
                    "note_form": forms.NoteForm(formdata=None)} | forms_in_error
    history, names = queries.history(d)
    return render_template(
        "payments/show.html", d=d, award=d.tranche.award, history=history, names=names,
        facts=routes.shown_details(d), second_needed=ledger.needs_second_approval(d),
        waiting_key=waiting_key, waiting=WAITING_LABELS.get(waiting_key or ""),
        threshold=ledger.two_person_threshold(d.currency),
        portal_sends=routes.ROUTES[d.route].portal_sends,
        transfer=queries.transfer_progress(d),
        route_fragment=routes.ROUTES[d.route].fragment, **action_forms)


# Scheduling --------------------------------------------------------------------------------

@bp.route("/tranches/<int:tranche_id>/schedule", methods=["GET", "POST"])
@rescuable
def schedule(tranche_id: int):
    tranche = db.session.get(Tranche, tranche_id) or abort(404)
    if not can(current_user, Permission.VIEW_AWARD, tranche.award):
        abort(404)
    require(Permission.SCHEDULE_DISBURSEMENT, tranche)
    payee = tranche.award.organisation
    context = routes.context_for(payee.country)
    intermediaries = routes.intermediaries(payee.country)
    left = ledger.left(tranche)
    form = forms.schedule_form(routes.suggested(payee, context), intermediaries, tranche.currency,
                               countries(g.get("lang", "en")),
                               data={"amount": money.plain_amount(left, tranche.currency),
                                     "bank_country": payee.country},
                               **rescued())
    if done := act(form, lambda: ledger.schedule(
            current_user, tranche, PaymentRoute(form.route.data),
            money.to_minor(form.amount.data, tranche.currency, field="amount"),
            routes.details_from(form)),
            _("The payment is scheduled. It waits for an approval."),
            lambda d: url_for("payments.show", disbursement_id=d.id)):
        return done
    return render_template(
        "payments/schedule.html", tranche=tranche, award=tranche.award, form=form,
        context=context, left=left, indirect=routes.INDIRECT,
        route_entries=routes.ROUTES.values(),
        serving={o.id for o in intermediaries if routes.serves(o, payee.country)})


# Transitions -------------------------------------------------------------------------------

def _act(disbursement_id: int, form_name: str, form_cls, action, done):
    """`done` is the message once it is done, or a function of the disbursement giving it."""
    d = load(disbursement_id)
    form = form_cls()
    if not form.validate_on_submit():
        return _page(d, **{form_name: form})
    try:
        d = action(d, form)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _page(load(disbursement_id), **{form_name: form})
    db.session.commit()  # a transfer the portal makes is handed to the job worker now
    flash(done(d) if callable(done) else done, "success")
    return redirect(url_for("payments.show", disbursement_id=d.id))


@bp.route("/<int:disbursement_id>/approve", methods=["POST"])
def approve(disbursement_id: int):
    return _act(disbursement_id, "approve_form", forms.ActionForm,
                lambda d, f: ledger.approve(current_user, d), _("Your approval is recorded."))


@bp.route("/<int:disbursement_id>/send", methods=["POST"])
def send(disbursement_id: int):
    return _act(disbursement_id, "send_form", forms.SendForm,
                lambda d, f: ledger.send(current_user, d, f.reference.data), _sent)


def _sent(d) -> str:
    if d.status == DisbursementStatus.SENDING:
        return _("The transfer is on its way to Stripe. Reload this page in a moment to see "
                 "Stripe's answer.")
    return _("The payment is recorded as sent. The group is told there is news.")


@bp.route("/<int:disbursement_id>/paid", methods=["POST"])
def mark_paid(disbursement_id: int):
    return _act(disbursement_id, "approve_form", forms.ActionForm,
                lambda d, f: ledger.mark_paid(current_user, d),
                _("The payment is recorded as paid."))


@bp.route("/<int:disbursement_id>/failed", methods=["POST"])
def mark_failed(disbursement_id: int):
    return _act(disbursement_id, "note_form", forms.NoteForm,
                lambda d, f: ledger.mark_failed(current_user, d, f.note.data),
                _("The payment is recorded as failed; its money is the tranche's again."))


@bp.route("/<int:disbursement_id>/returned", methods=["POST"])
def mark_returned(disbursement_id: int):
    return _act(disbursement_id, "note_form", forms.NoteForm,
                lambda d, f: ledger.mark_returned(current_user, d, f.note.data),
                _("The payment is recorded as returned; its money is the tranche's again."))


@bp.route("/<int:disbursement_id>/cancel", methods=["POST"])
def cancel(disbursement_id: int):
    return _act(disbursement_id, "note_form", forms.NoteForm,
                lambda d, f: ledger.cancel(current_user, d, f.note.data),
                _("The payment is cancelled; its money is the tranche's again."))


# Country context ---------------------------------------------------------------------------

@bp.route("/countries")
def countries_index():
    require(Permission.VIEW_COUNTRY_CONTEXT)
    chosen = (request.args.get("country") or "").upper()
    if chosen and can(current_user, Permission.MANAGE_COUNTRY_CONTEXT) and is_country(chosen):
        return redirect(url_for("payments.edit_country", code=chosen))
    return render_template("payments/countries.html", contexts=country_service.all_contexts(),
                           all_countries=countries(g.get("lang", "en")))


@bp.route("/countries/<code>", methods=["GET", "POST"])
@rescuable
def edit_country(code: str):
    require(Permission.MANAGE_COUNTRY_CONTEXT)
    if not is_country(code):
        abort(404)
    context = routes.context_for(code)
    form = forms.CountryForm(obj=_CountryData(context), **rescued())
    if done := act(form, lambda: country_service.save(current_user, code,
                                                    restricted=form.restricted.data,
                                                    summary=form.summary.data),
                   _("The country context is saved."),
                   lambda result: url_for("payments.countries_index")):
        return done
    return render_template("payments/country.html", code=code, context=context, form=form)


class _CountryData:
    def __init__(self, context):
        self.restricted = bool(context and context.foreign_funding_restricted)
        self.summary = context.summary if context else ""
