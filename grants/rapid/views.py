"""The routes of rapid response, on one blueprint. Here, the officer's page of a
request: read it, watch its clock, approve (money ready to send) or decline on the same
page; afterwards see the award, the payment and the follow-up, and invite the group to a
longer-term call. The defender's one-page request is in request_views."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants import money
from grants.applications.forms import RevealForm
from grants.awards.services import follow_up_of, rapid_single_officer_limit
from grants.errors import ServiceError
from grants.extensions import db
from grants.ids import id_or_none
from grants.messages.services import thread as message_thread
from grants.models import Application, Award, AwardStatus, Call, PaymentRoute
from grants.payments.routes import ROUTES, RouteDetails
from grants.policy import Permission, can, require
from grants.rapid import decision as rapid
from grants.rapid import followup
from grants.rapid import forms as rapid_forms
from grants.rapid.blueprint import bp
from grants.rapid.clock import clock, first_payment, time_to_decision, time_to_payment
from grants.review import decisions, forms, terms
from grants.review.confirming import confirm_or_act
from grants.web import attach_error, shown

# Its pages keep the addresses they had under applications and review (bookmarks, links in
# e-mails), so the blueprint has no prefix of its own.


def _rapid(application_id: int) -> Application:
    application = shown(Application, application_id, Permission.VIEW_APPLICATION)
    if application.rapid_category is None:
        abort(404)
    require(Permission.ASSIGN_REVIEW, application)
    return application


def _approve_form(application: Application, posted) -> rapid_forms.RapidApproveForm:
    return rapid_forms.RapidApproveForm(formdata=posted, data=None if posted else {
        "amount": money.plain_amount(application.amount_requested_minor, application.currency),
        "currency": application.currency, "route": "bank_transfer"})


def _details(form: rapid_forms.RapidApproveForm) -> RouteDetails:
    return ROUTES[PaymentRoute(form.route.data)].quick((form.route_detail.data or "").strip())


def _approve(application: Application, form: rapid_forms.RapidApproveForm) -> None:
    amount = money.to_minor(form.amount.data, form.currency.data, field="amount")
    try:
        award = rapid.approve_rapid(current_user, application, amount_minor=amount,
                                    currency=form.currency.data,
                                    route=PaymentRoute(form.route.data), details=_details(form))
    except ServiceError as exc:
        if exc.field in ROUTES[PaymentRoute(form.route.data)].field_names:
            exc.field = "route_detail"
        raise
    if award.status == AwardStatus.PENDING_APPROVAL:
        flash(_("Approved by you. Above %(limit)s a second officer must confirm it.",
                limit=_limit(award.currency)), "info")
    else:
        flash(_("Approved: the award is active and the payment is ready to send."), "success")


def _limit(currency: str) -> str:
    return money.format_money(rapid_single_officer_limit(currency), currency)


@bp.route("/review/applications/<int:application_id>/rapid", methods=["GET", "POST"])
def decide(application_id: int):
    application = _rapid(application_id)
    posted = request.form if request.method == "POST" else None
    decision = posted.get("decision") if posted else None
    approving = decision in ("approve", "change")
    approve_form = _approve_form(application, posted if approving else None)
    decline_form = forms.DeclineForm(formdata=posted if decision == "decline" else None)
    ask_form = rapid_forms.RapidQuestionForm(formdata=posted if decision == "ask" else None)
    form = {"approve": approve_form, "decline": decline_form, "ask": ask_form}.get(decision)
    if form is not None:
        require(Permission.REQUEST_MORE_INFO if decision == "ask"
                else Permission.DECIDE_APPLICATION, application)
        if decision == "approve" and form.validate():
            done = confirm_or_act(
                application, form, lambda: _terms(application, form),
                lambda: _decide(application, form, lambda: _approve(application, form)),
                action=url_for(".decide", application_id=application.id),
                facts=_route_facts(form))
        elif decision == "decline" and form.validate():
            done = _decide(application, form, lambda: decisions.decline(
                current_user, application, decline_form.message.data))
        elif decision == "ask" and form.validate():
            done = _decide(application, form, lambda: _ask(application, ask_form))
        else:
            done = None
        if done is not None:
            return done
    return _page(application, approve_form, decline_form, ask_form=ask_form)


def _ask(application: Application, form: rapid_forms.RapidQuestionForm) -> None:
    rapid.ask(current_user, application, form.question.data)
    flash(_("Your question was sent. The clock keeps running while you wait for the "
            "answer."), "success")


def _terms(application: Application, form: rapid_forms.RapidApproveForm) -> terms.Terms:
    """The emergency award as understood, shown back before it is made."""
    amount = money.to_minor(form.amount.data, form.currency.data, field="amount")
    return terms.preview_emergency(current_user, application, amount_minor=amount,
                                   currency=form.currency.data)


def _route_facts(form: rapid_forms.RapidApproveForm) -> list[tuple[str, str]]:
    facts = [(_("How the money goes"), PaymentRoute(form.route.data).rapid_label)]
    detail = (form.route_detail.data or "").strip()
    return facts + ([(form.route_detail.label.text, detail)] if detail else [])


def _decide(application: Application, form, action):
    """Approve or decline; a refusal goes back on the form (None), else back to the page."""
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return None
    db.session.commit()
    return redirect(url_for(".decide", application_id=application.id))


def _page(application: Application, approve_form, decline_form, invite_form=None,
          ask_form=None):
    award = db.session.query(Award).filter_by(application_id=application.id).one_or_none()
    invite_form = invite_form or rapid_forms.InviteForm(formdata=None)
    invite_form.call.choices = rapid_forms.options(
        (c.id, _call_title(c)) for c in followup.invitable_calls())
    return render_template(
        "rapid/decide.html", application=application, award=award,
        approve_form=approve_form, decline_form=decline_form, invite_form=invite_form,
        ask_form=ask_form or rapid_forms.RapidQuestionForm(formdata=None),
        reveal_form=RevealForm() if _hidden(application) else None,
        clock=clock(application), limit=_limit(application.currency),
        pending=decisions.pending_award(application),
        follow_up=follow_up_of(award) if award else None,
        payment=first_payment(application), decided_in=time_to_decision(application),
        paid_in=time_to_payment(application),
        sensitive=can(current_user, Permission.VIEW_APPLICATION_SENSITIVE, application),
        thread=message_thread(application)
        if can(current_user, Permission.VIEW_APPLICATION_SENSITIVE, application) else None,
        invited=db.session.get(Call, application.invited_to_call_id)
        if application.invited_to_call_id else None)


def _hidden(application: Application) -> bool:
    """The request is at high risk and this officer has not revealed it yet."""
    return (can(current_user, Permission.REVEAL_APPLICATION, application)
            and not can(current_user, Permission.VIEW_APPLICATION_SENSITIVE, application))


def _call_title(call: Call) -> str:
    text = call.text(g.get("lang", "en"))
    return text.title if text else str(call.id)


@bp.route("/review/applications/<int:application_id>/invite", methods=["POST"])
def invite(application_id: int):
    application = _rapid(application_id)
    require(Permission.INVITE_TO_CALL, application)
    form = rapid_forms.InviteForm()
    form.call.choices = rapid_forms.options((c.id, str(c.id)) for c in followup.invitable_calls())
    if form.validate_on_submit():
        call_id = id_or_none(form.call.data)
        call = db.session.get(Call, call_id) if call_id else None
        try:
            if call is None:
                raise ServiceError(_("Choose an open call from the list."), "call")
            followup.invite(current_user, application, call, form.message.data)
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Invitation sent: a draft on that call waits for the group."), "success")
            return redirect(url_for(".decide", application_id=application.id))
    return _page(application, _approve_form(application, None),
                 forms.DeclineForm(formdata=None), form), 400

