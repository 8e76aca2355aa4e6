"""Award pages: the lists, the one page with everything about an award, and the officer's
changes to it (schedule, extension, budget, releasing a tranche).

Each view loads the award, asks the policy (404 if it may not be seen, 403 if it may not be
acted on), validates its form, calls a service, commits once and redirects. A refused change
shows the form again with what was typed and why.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user

from grants import money
from grants.awards import forms, lifecycle, queries, reports, schedule
from grants.awards.blueprint import bp, load, managed, to_award_page
from grants.errors import ServiceError
from grants.extensions import db
from grants.intermediaries import pool
from grants.messages.services import thread as message_thread
from grants.models import AwardStatus, BudgetCategory, Publication, SupportType, TrancheStatus
from grants.models.types import utcnow
from grants.payments import queries as ledger_queries
from grants.policy import Permission, can
from grants.reporting import opendata
from grants.rescue import rescuable
from grants.web import act, rescued

PAGE_SIZE = 25


# Lists -------------------------------------------------------------------------------------

@bp.route("/")
def index():
    if not can(current_user, Permission.LIST_ALL_AWARDS):
        mine = [a for a in queries.awards_of(current_user)
                if can(current_user, Permission.VIEW_AWARD, a)]
        return render_template("awards/index.html", staff=False, awards=mine)
    status, support = request.args.get("status", ""), request.args.get("support", "")
    page = db.paginate(queries.staff_awards(current_user, status, support), per_page=PAGE_SIZE,
                       error_out=False)
    return render_template("awards/index.html", staff=True, page=page, status=status,
                           support=support, statuses=list(AwardStatus),
                           supports=list(SupportType))


# The award page ----------------------------------------------------------------------------

@bp.route("/<int:award_id>")
def show(award_id: int):
    award = load(award_id)
    officer = can(current_user, Permission.MANAGE_AWARD, award)
    thread_ready = award.application is not None and \
        "messages.post_to_application" in current_app.view_functions
    second_approval = award.status == AwardStatus.PENDING_APPROVAL and \
        "review.confirm_approval" in current_app.view_functions and \
        can(current_user, Permission.SECOND_APPROVAL, award)
    return render_template(
        "awards/show.html", award=award, application=award.application, officer=officer,
        budget=queries.budget_table(award),
        described=can(current_user, Permission.VIEW_BUDGET_DESCRIPTIONS, award),
        history=queries.history(award),
        released=sum(t.amount_minor for t in award.tranches
                     if t.status in (TrancheStatus.RELEASED, TrancheStatus.PAID)),
        thread_ready=thread_ready, second_approval=second_approval,
        action_form=forms.ActionForm(), **_page_parts(award, officer, thread_ready))


def _page_parts(award, officer: bool, thread_ready: bool) -> dict:
    """What the award page shows beyond the award itself, each read once here: the pool of
    a regranting award, the open-data choice, its payments, each tranche's gate and whether
    it can be released, each report's state, and the message thread."""
    today = utcnow().date()
    payments = ledger_queries.award_payments(award)
    return {
        "regranting_pool": pool.pool(award) if award.regrant_type and can(
            current_user, Permission.VIEW_UPWARD_REPORT, award) else None,
        "publication": _publication(award) if officer and award.approved_at else None,
        "payments": payments,
        "payments_committed": ledger_queries.committed_by_tranche(payments),
        "gates_met": {t.id: reports.is_met(t.gating_requirement) for t in award.tranches
                      if t.gating_requirement},
        "releasable": {t.id for t in award.tranches if schedule.can_release(award, t)},
        "report_states": {r.id: (reports.latest(r), reports.is_settled(r),
                                 reports.is_overdue(r, today), reports.can_send(r))
                          for r in award.report_requirements},
        "thread": message_thread(award.application) if thread_ready else None}


def _publication(award) -> dict:
    """The open-data block: the choice, its labels, and why naming is refused (or None)."""
    return {"current": award.publication.value, "choices": Publication.choices(),
            "naming_refused": opendata.naming_refused(award)}


# Officer changes ---------------------------------------------------------------------------

@bp.route("/<int:award_id>/tranches/<int:tranche_id>/release", methods=["POST"])
def release(award_id: int, tranche_id: int):
    award = managed(award_id)
    tranche = next((t for t in award.tranches if t.id == tranche_id), None) or abort(404)
    if not forms.ActionForm().validate_on_submit():
        flash(_("This form had expired. Try again."), "error")
        return to_award_page(award, "tranches")
    try:
        schedule.release(current_user, award, tranche)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Tranche %(n)d is released for payment.", n=tranche.sequence), "success")
    return to_award_page(award, "tranches")


@bp.route("/<int:award_id>/schedule", methods=["GET", "POST"])
@rescuable
def edit_schedule(award_id: int):
    award = managed(award_id)
    planned = [t for t in award.tranches if t.status == TrancheStatus.PLANNED]
    form = forms.schedule_form(award, planned, **rescued())
    if done := act(form, lambda: schedule.change_schedule(
            current_user, award, [_tranche_change(form, award, t) for t in planned],
            form.reason.data),
            lambda amendment: (_("The schedule was changed and recorded."), "success")
            if amendment else (_("Nothing was changed."), "info"),
            lambda result: to_award_page(award, "tranches")):
        return done
    return render_template("awards/schedule.html", award=award, form=form, planned=planned,
                           fixed=[t for t in award.tranches if t not in planned])


def _tranche_change(form, award, tranche) -> schedule.TrancheChange:
    amount = money.to_minor(form[f"amount_{tranche.id}"].data, award.currency,
                            field=f"amount_{tranche.id}")
    gate = form[f"gate_{tranche.id}"].data
    return schedule.TrancheChange(tranche.id, amount, form[f"due_{tranche.id}"].data,
                                  int(gate) if gate else None)


@bp.route("/<int:award_id>/extend", methods=["GET", "POST"])
@rescuable
def extend(award_id: int):
    award = managed(award_id)
    form = forms.ExtendForm(**rescued())
    if done := act(form, lambda: schedule.extend(current_user, award, form.end_date.data,
                                               form.reason.data),
                   lambda result: _("The award now ends on %(day)s.",
                                    day=award.end_date.isoformat()),
                   lambda result: to_award_page(award, "history")):
        return done
    return render_template("awards/extend.html", award=award, form=form)


@bp.route("/<int:award_id>/status", methods=["GET", "POST"])
@rescuable
def change_status(award_id: int):
    """Suspend, resume or close the award, after seeing what that means."""
    award = managed(award_id)
    form = forms.StatusForm(**rescued())
    form.action.choices = [(a, forms.STATUS_ACTION_LABELS[a])
                           for a in lifecycle.actions_for(award)]
    if done := act(form, lambda: lifecycle.change_status(current_user, award, form.action.data,
                                                       form.reason.data),
                   lambda result: _("The award is now: %(status)s.",
                                    status=award.status.label),
                   lambda result: to_award_page(award, "history")):
        return done
    return render_template("awards/status.html", award=award, form=form,
                           unreleased=lifecycle.unreleased(award))


@bp.route("/<int:award_id>/budget", methods=["GET", "POST"])
@rescuable
def reallocate(award_id: int):
    award = managed(award_id)
    form = forms.budget_form(
        award, can(current_user, Permission.VIEW_BUDGET_DESCRIPTIONS, award), **rescued())
    if done := act(form, lambda: schedule.reallocate(
            current_user, award,
            {line.id: money.to_minor(form[f"line_{line.id}"].data, award.currency,
                                     field=f"line_{line.id}") for line in award.budget_lines},
            form.reason.data, _new_line(form, award)),
            lambda amendment: (_("The budget was reallocated and recorded."), "success")
            if amendment else (_("Nothing was changed."), "info"),
            lambda result: to_award_page(award, "budget")):
        return done
    return render_template("awards/budget.html", award=award, form=form,
                           total=sum(line.amount_minor for line in award.budget_lines))


def _new_line(form, award) -> schedule.NewLine | None:
    if not (form.new_amount.data or "").strip():
        return None
    if form.new_category.data not in {c.value for c in BudgetCategory}:
        raise ServiceError(_("Choose what the new line is for."), "new_category")
    amount = money.to_minor(form.new_amount.data, award.currency, field="new_amount")
    try:
        year = int(form.new_year.data or "")
    except ValueError:  # "²" passes str.isdigit() but is no number
        year = 0  # the service names the years to choose from
    return schedule.NewLine(BudgetCategory(form.new_category.data), year,
                            form.new_description.data or "", amount)
