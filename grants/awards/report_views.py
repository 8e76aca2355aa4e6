"""Report pages: the group sends a short report or a file, the officer records a
conversation, reads a report and accepts it or asks for more, and edits what is asked."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from grants.applications import documents
from grants.awards import forms, reports
from grants.awards.blueprint import bp, load, managed, to_award_page
from grants.content import shipped, unshipped
from grants.extensions import db
from grants.models import Award, Report, ReportKind, ReportRequirement, ReportStatus
from grants.policy import Permission, can, require
from grants.rescue import rescuable
from grants.security import audit
from grants.web import act, rescued


def _requirement(award: Award, requirement_id: int) -> ReportRequirement:
    found = next((r for r in award.report_requirements if r.id == requirement_id), None)
    return found or abort(404)


def _report(award: Award, report_id: int) -> Report:
    found = next((rep for r in award.report_requirements for rep in r.reports
                  if rep.id == report_id), None)
    return found or abort(404)


@bp.route("/<int:award_id>/requirements/<int:requirement_id>/report", methods=["GET", "POST"])
@rescuable
def send_report(award_id: int, requirement_id: int):
    award = load(award_id)
    requirement = _requirement(award, requirement_id)
    require(Permission.SUBMIT_REPORT, requirement)
    previous = reports.latest(requirement)
    form = forms.report_form(requirement, data=_earlier_answers(requirement, previous),
                             **rescued())
    if done := act(form, lambda: _send(form, requirement), _("Your report was sent. Thank you."),
                   lambda result: to_award_page(award, "reports")):
        return done
    return render_template("awards/send_report.html", award=award, requirement=requirement,
                           form=form, previous=previous, settled=reports.settles(previous),
                           answers=forms.answer_fields(form, requirement))


def _earlier_answers(requirement: ReportRequirement, previous: Report | None) -> dict:
    """What the group wrote last time, when the officer asked for more."""
    if previous is None or previous.status != ReportStatus.CHANGES_REQUESTED:
        return {}
    return {f"answer_{i}": text for i, text in enumerate(previous.answers or [], start=1)}


def _send(form, requirement: ReportRequirement) -> None:
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        reports.submit_file(current_user, requirement, filename=upload.filename,
                            data=upload.stream.read(limit + 1), max_bytes=limit)
    else:
        reports.submit_answers(current_user, requirement,
                               [f.data for f in forms.answer_fields(form, requirement)])


@bp.route("/<int:award_id>/requirements/<int:requirement_id>/conversation",
          methods=["GET", "POST"])
@rescuable
def record_conversation(award_id: int, requirement_id: int):
    award = managed(award_id)
    requirement = _requirement(award, requirement_id)
    form = forms.OralReportForm(**rescued())
    if done := act(form, lambda: reports.record_conversation(current_user, requirement,
                                                           form.notes.data),
                   _("The conversation is recorded as the group's report."),
                   lambda result: to_award_page(award, "reports")):
        return done
    return render_template("awards/conversation.html", award=award, requirement=requirement,
                           form=form)


@bp.route("/<int:award_id>/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@rescuable
def edit_requirement(award_id: int, requirement_id: int):
    award = managed(award_id)
    requirement = _requirement(award, requirement_id)
    form = forms.RequirementForm(data={
        "title": shipped(requirement.title), "due_date": requirement.due_date,
        "questions": "\n".join(shipped(q) for q in requirement.questions)}, **rescued())
    if done := act(form, lambda: reports.change_requirement(
            current_user, requirement, title=_stored(requirement.title, form.title.data),
            due_date=form.due_date.data, reason=form.reason.data,
            questions=[unshipped(q) for q in (form.questions.data or "").splitlines()]),
            lambda amendment: (_("The report requirement was changed and recorded."), "success")
            if amendment else (_("Nothing was changed."), "info"),
            lambda result: to_award_page(award, "reports")):
        return done
    return render_template("awards/requirement.html", award=award, requirement=requirement,
                           form=form)


@bp.route("/<int:award_id>/reports/<int:report_id>")
def report(award_id: int, report_id: int):
    award = load(award_id)
    return _report_page(award, _report(award, report_id), forms.ReviewForm())


def _report_page(award: Award, report_: Report, form):
    officer = can(current_user, Permission.MANAGE_AWARD, award)
    return render_template("awards/report.html", award=award, report=report_,
                           requirement=report_.requirement, officer=officer, form=form,
                           reviewable=officer and report_.status == ReportStatus.SUBMITTED)


@bp.route("/<int:award_id>/reports/<int:report_id>/review", methods=["POST"])
def review_report(award_id: int, report_id: int):
    award = managed(award_id)
    report_ = _report(award, report_id)
    form = forms.ReviewForm()
    accept = form.decision.data == "accept"
    if done := act(form, lambda: reports.review(current_user, report_, accept=accept,
                                                note=form.note.data),
                   lambda result: _("The report is accepted.") if accept
                   else _("The report was sent back with your note."),
                   lambda result: to_award_page(award, "reports")):
        return done
    return _report_page(award, report_, form)


@bp.route("/<int:award_id>/reports/<int:report_id>/file")
def report_file(award_id: int, report_id: int):
    award = load(award_id)
    report_ = _report(award, report_id)
    if not report_.filename or report_.kind == ReportKind.CONVERSATION:
        abort(404)
    audit.record(current_user, "report.file_read", award, report_id=report_.id)
    db.session.commit()  # who read a group's file is kept, even on a GET
    return make_response(report_.content, 200, documents.download_headers(report_))


def _stored(before: str, typed: str | None) -> str:
    """The title as stored: unchanged when the form showed it translated and the officer
    left it so; else what was typed."""
    return before if typed is not None and typed.strip() == shipped(before) else (
        unshipped(typed or ""))
