"""Routes of grants/review: the queue, assignments, conflicts, scores, the rubric and
decisions. Each route loads, asks the policy (404: not to be seen, 403: not to be done),
validates its form, calls a service, commits once and redirects."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants import money
from grants.applications import queries as application_queries
from grants.applications import questions, routing
from grants.applications.calls.forms import type_label
from grants.awards.services import two_person_threshold
from grants.errors import ServiceError
from grants.extensions import db
from grants.ids import parse_id, parse_page
from grants.models import (
    Application,
    Award,
    AwardStatus,
    CallType,
    Organisation,
    RegrantType,
    Review,
    SupportType,
    User,
)
from grants.models.types import utcnow
from grants.policy import Permission, assignment, can, require
from grants.rapid.clock import clock as rapid_clock
from grants.rescue import rescuable
from grants.review import decisions, forms, services, terms
from grants.review import queue as queues
from grants.review.blueprint import bp, load
from grants.review.confirming import confirm_or_act
from grants.web import act, attach_error, group_label, rescued, shown

PAGE_SIZE = 25


@bp.context_processor
def _helpers():
    return {"type_label": type_label}


def _refused(message: str, status: int = 403):
    db.session.rollback()
    return render_template("errors/error.html", code=status, message=message), status


def _back(application: Application):
    return redirect(url_for(".application", application_id=application.id))


# The queue ----------------------------------------------------------------------------------

@bp.route("/")
def queue():
    require(Permission.VIEW_REVIEW_QUEUE)
    mine = queues.reviewer_queue(current_user)
    if not can(current_user, Permission.ASSIGN_REVIEW):
        return render_template("review/queue.html", officer=False, assignments=mine)
    f = _filters()
    page = queues.queue_page(current_user, f, request.args.get("page", 1, type=parse_page),
                               PAGE_SIZE)
    ids = [a.id for a in page.items]
    return render_template(
        "review/queue.html", officer=True, assignments=mine, page=page, f=f,
        summaries=services.summaries(ids), clocks={a.id: rapid_clock(a) for a in page.items},
        calls=application_queries.published_call_choices(g.get("lang", "en")),
        countries=queues.queue_countries(), call_types=list(CallType),
        statuses=queues.QUEUE_STATUSES,
        officers=services.users_by_id({a.assigned_officer_id for a in page.items}))


def _filters() -> queues.Filters:
    args = request.args
    return queues.Filters(call_id=args.get("call", type=parse_id),
                          status=args.get("status", ""), country=args.get("country", "")[:2],
                          call_type=args.get("type", ""), mine=args.get("mine") == "1")


# The officer's page of one application --------------------------------------------------------

@bp.route("/applications/<int:application_id>")
def application(application_id: int):
    application = load(application_id)
    require(Permission.ASSIGN_REVIEW, application)
    return _overview(application)


def _overview(application: Application):
    officer_form = forms.AssignOfficerForm(
        formdata=None, officer=application.assigned_officer_id or current_user.id)
    officer_form.officer.choices = [(u.id, u.username) for u in services.officers()]
    reviewer_form = forms.AssignReviewerForm(formdata=None)
    reviewer_form.reviewer.choices = [
        (u.id, f"{u.username} ({u.role.value})")
        for u in services.possible_reviewers(application)]
    reviews = services.reviews_of(application)
    return render_template(
        "review/application.html", application=application, reviews=reviews,
        summary=services.summaries([application.id])[application.id],
        criteria=services.criteria(application.call), officer_form=officer_form,
        reviewer_form=reviewer_form, pending=decisions.pending_award(application),
        open_for_review=services.open_for_review(application),
        assigned_officer=services.users_by_id({application.assigned_officer_id}).get(
            application.assigned_officer_id))


@bp.route("/applications/<int:application_id>/officer", methods=["POST"])
def assign_officer(application_id: int):
    application = load(application_id)
    require(Permission.ASSIGN_REVIEW, application)
    form = forms.AssignOfficerForm()
    form.officer.choices = [(u.id, u.username) for u in services.officers()]
    return _assign(application, form, lambda: services.assign_officer(
        current_user, application, db.session.get(User, form.officer.data)))


@bp.route("/applications/<int:application_id>/reviewers", methods=["POST"])
def assign_reviewer(application_id: int):
    application = load(application_id)
    require(Permission.ASSIGN_REVIEW, application)
    form = forms.AssignReviewerForm()
    form.reviewer.choices = [(u.id, u.username)
                             for u in services.possible_reviewers(application)]
    return _assign(application, form, lambda: services.assign_reviewer(
        current_user, application, db.session.get(User, form.reviewer.data)))


def _assign(application: Application, form, action):
    """Small choice forms: a refusal is flashed on the application's review page."""
    try:
        if not form.validate_on_submit():
            raise ServiceError(str(next(iter(form.errors.values()))[0]))
        action()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return _back(application)


# Conflict of interest -------------------------------------------------------------------------

def _assigned(application_id: int) -> tuple[Application, Review | None]:
    """The application and the user's assignment on it. An assigned reviewer knows it
    exists before answering the conflict question; after a conflict, nobody is told."""
    application = db.session.get(Application, application_id)
    review = assignment(current_user, application) if application else None
    known = review is not None and not review.conflict_declared
    if application is None or not (
            known or can(current_user, Permission.VIEW_APPLICATION, application)):
        abort(404)
    return application, review


@bp.route("/applications/<int:application_id>/conflict", methods=["GET", "POST"])
@rescuable
def declare(application_id: int):
    application, review = _assigned(application_id)
    require(Permission.DECLARE_CONFLICT, application)
    form = (forms.ConflictForm if review else forms.RecuseForm)(**rescued())
    conflict = review is None or form.conflict.data == "yes"
    if done := act(form, lambda: services.declare(current_user, application, conflict=conflict,
                                                  note=form.note.data or ""),
                   _("Your conflict of interest is recorded. You will no longer see this "
                     "application.") if conflict else None,
                   lambda result: url_for(".queue") if conflict
                   else url_for(".score", application_id=application.id)):
        return done
    return render_template("review/conflict.html", application=application, form=form,
                           assigned=review is not None)


# Scoring --------------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/score", methods=["GET", "POST"])
@rescuable
def score(application_id: int):
    application = load(application_id)
    require(Permission.REVIEW_APPLICATION, application)
    review = assignment(current_user, application)
    labels = services.criteria(application.call)
    form = forms.score_form(labels, **(rescued() or _saved_scores(review, labels)))
    if done := act(form, lambda: services.submit_scores(
            current_user, review, recommendation=form.recommendation.data,
            scores={label: form[f"c{i}"].data for i, label in enumerate(labels)},
            comment=form.comment.data or ""),
            _("Your review is saved. Thank you."), lambda result: url_for(".queue")):
        return done
    return render_template("review/score.html", application=application, form=form,
                           review=review, criteria=[form[f"c{i}"] for i in range(len(labels))])


def _saved_scores(review: Review, labels: list[str]) -> dict:
    """A scored review's answers to show again; none on a POST (what was sent counts)."""
    if request.method == "POST":
        return {}
    scores = review.criteria_scores or {}
    return {"data": {**{f"c{i}": scores.get(label) for i, label in enumerate(labels)},
                     "recommendation": review.recommendation and review.recommendation.value,
                     "comment": review.comment}}


# Request for more information ------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/more-info", methods=["GET", "POST"])
@rescuable
def request_info(application_id: int):
    application = load(application_id)
    require(Permission.REQUEST_MORE_INFO, application)
    form = forms.RequestInfoForm(**rescued())
    if done := act(form, lambda: decisions.request_more_info(current_user, application,
                                                           form.message.data),
                   _("Your question was sent. The application returns to the queue when the "
                     "group sends it again."), lambda result: _back(application)):
        return done
    days = current_app.config["ANSWER_WITHIN_DAYS"]  # the date the group is shown
    return render_template("review/more_info.html", application=application, form=form,
                           answer_days=days,
                           answer_by=questions.answer_due(application, utcnow(), days).date())


# Decisions ------------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/decide", methods=["GET", "POST"])
@rescuable
def decide(application_id: int):
    application = load(application_id)
    require(Permission.DECIDE_APPLICATION, application)
    if application.rapid_category is not None:  # decided on its own short page
        return redirect(url_for("rapid.decide", application_id=application.id))
    posted = request.form if request.method == "POST" else rescued().get("formdata")
    decision = posted.get("decision") if posted else None
    approve_form = (forms.ApproveForm(formdata=posted) if decision in ("approve", "change")
                    else _approve_defaults(application))
    routes = _route_choices(application)
    approve_form.route.choices = routes or [(forms.DIRECT, "")]
    decline_form = forms.DeclineForm(formdata=posted if decision == "decline" else None)
    if request.method == "POST" and decision == "approve" and approve_form.validate():
        done = confirm_or_act(
            application, approve_form, lambda: _terms(application, approve_form),
            lambda: _act(application, approve_form, lambda: _approve(application, approve_form)),
            action=url_for(".decide", application_id=application.id))
    elif request.method == "POST" and decision == "decline" and decline_form.validate():
        done = _act(application, decline_form, lambda: decisions.decline(
            current_user, application, decline_form.message.data))
    else:
        done = None
    return done or render_template(
        "review/decide.html", application=application, approve_form=approve_form,
        decline_form=decline_form, pending=decisions.pending_award(application),
        threshold=_threshold(application.currency), routes=bool(routes))


def _route_choices(application: Application) -> list[tuple[str, str]]:
    """Directly (where the call funds the group's kind) or through an intermediary: the one
    the group chose, or one serving its country."""
    if not (routing.offers_route(application) or application.intermediary_id):
        return []
    found = routing.intermediaries_for(application.country)
    if application.intermediary and application.intermediary not in found:
        found.insert(0, application.intermediary)
    direct = [(forms.DIRECT, _("Directly"))] if routing.may_fund_directly(application) else []
    return direct + [(str(o.id), _("Through %(name)s", name=group_label(o))) for o in found]


def _approve_defaults(application: Application) -> forms.ApproveForm:
    """The terms the group asked for, to change or keep."""
    call = application.call
    support = "core" if call.call_type == CallType.CORE_SUPPORT else "project"
    route = str(application.intermediary_id) if application.intermediary_id else forms.DIRECT
    return forms.ApproveForm(formdata=None, data={
        "amount": money.plain_amount(application.amount_requested_minor, application.currency),
        "currency": application.currency, "years": call.max_years, "support_type": support,
        "route": route, "regrant_type": "FRG020"})


def _threshold(currency: str) -> str:
    return money.format_money(two_person_threshold(currency), currency)


def _terms(application: Application, form: forms.ApproveForm) -> terms.Terms:
    """The terms as understood, shown back before the approval is made."""
    amount = money.to_minor(form.amount.data, form.currency.data, field="amount")
    return terms.preview(
        current_user, application, amount_minor=amount, currency=form.currency.data,
        start_date=form.start_date.data, years=form.years.data or 0,
        support_type=SupportType(form.support_type.data), conditions=form.conditions.data or "",
        intermediary=_through(form)["intermediary"])


def _approve(application: Application, form: forms.ApproveForm) -> str:
    """Approve on the form's terms; the officer lands on the award it made."""
    amount = money.to_minor(form.amount.data, form.currency.data, field="amount")
    award = decisions.approve(
        current_user, application, amount_minor=amount, currency=form.currency.data,
        start_date=form.start_date.data, years=form.years.data or 0,
        support_type=SupportType(form.support_type.data), conditions=form.conditions.data or "",
        **_through(form))
    if award.status == AwardStatus.PENDING_APPROVAL:
        flash(_("Approved by you. Above %(limit)s a second officer must confirm it.",
                limit=_threshold(award.currency)), "info")
    else:
        flash(_("The application is approved and the award is active."), "success")
    return url_for("awards.show", award_id=award.id)


def _through(form: forms.ApproveForm) -> dict:
    """The intermediary the officer chose (None: directly), checked by the service."""
    chosen = form.route.data if form.route.data not in (None, "", forms.DIRECT) else None
    org = db.session.get(Organisation, int(chosen)) if chosen and chosen.isdigit() else None
    if chosen and org is None:
        raise ServiceError(_("Choose one of the ways in the list."), "route")
    return {"intermediary": org, "regrant_type": RegrantType(form.regrant_type.data)}


def _act(application: Application, form, action):
    """Run a decision; a refusal goes back on the form, nothing typed is lost. The action
    may name where to go next (an approval: its award), else the application's review."""
    try:
        target = action()
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return None
    db.session.commit()
    return redirect(target) if isinstance(target, str) else _back(application)


@bp.route("/awards/<int:award_id>/confirm", methods=["POST"])
def confirm_approval(award_id: int):
    award = shown(Award, award_id, Permission.VIEW_AWARD)
    if award.application is not None:
        load(award.application_id)  # an officer with a conflict does not see it
    if not can(current_user, Permission.SECOND_APPROVAL, award):
        if award.decided_by_id == current_user.id:
            return _refused(_("A second officer must approve this award: you made the first "
                              "approval."))
        abort(403)
    try:
        decisions.confirm_approval(current_user, award)
    except ServiceError as exc:
        return _refused(exc.message)
    db.session.commit()
    if award.application_id is None:
        flash(_("Approval confirmed: the award is active."), "success")
        return redirect(url_for("awards.show", award_id=award.id))
    flash(_("Approval confirmed: the award is active and the group is told there is news."),
          "success")
    return redirect(url_for(".application", application_id=award.application_id))
