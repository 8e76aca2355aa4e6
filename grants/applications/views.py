"""The applicant's journey: start, steps with drafts, budget, review, submit, withdraw.

Every step saves the draft on each POST, also when something is wrong, and answers an
autosave (header X-Autosave: 1, sent by static/autosave.js) with 204 and no redirect.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grants.applications import budget, documents, forms, queries, questions, routing, services
from grants.applications.blueprint import bp, editable, load
from grants.applications.services import ABOUT, BUDGET, FOCUS, QUESTIONS, REVIEW
from grants.countries import countries
from grants.errors import ServiceError
from grants.extensions import db
from grants.ids import parse_id
from grants.messages.services import thread as message_thread
from grants.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    BudgetCategory,
    Call,
    CallStatus,
    CallType,
    Organisation,
    OrgKind,
    RiskLevel,
)
from grants.models.types import utcnow
from grants.organisations.services import create_organisation
from grants.policy import Permission, can, is_member, require
from grants.rescue import rescuable, rescued_formdata
from grants.review import services as review_services
from grants.security import audit
from grants.web import act, attach_error, rescued

STEP_TITLES = {ABOUT: _l("About"), QUESTIONS: _l("Questions"), BUDGET: _l("Budget"),
               FOCUS: _l("Who you are and work with"), REVIEW: _l("Check and send")}
PAGE_SIZE = 25
MIN_ROWS, BLANK_ROWS, MAX_MORE = 5, 3, 60


@bp.context_processor
def _labels():
    return {"step_titles": STEP_TITLES, "population_labels": forms.POPULATION_LABELS,
            "problem_text": _problem_text,
            "language_name": forms.language_name, "percent": budget.percent,
            "share_bp": budget.share_bp}


def _problem_text(problem: services.Problem, currency: str) -> str:
    return forms.problem_text(problem, currency, g.get("lang", "en"))


def _language_choices() -> list[tuple[str, str]]:
    return forms.language_choices(current_app.config["CALL_LANGUAGES"])


def _autosave() -> bool:
    return request.method == "POST" and request.headers.get("X-Autosave") == "1"


# Start ------------------------------------------------------------------------------------

@bp.route("/new/<int:call_id>", methods=["GET", "POST"])
@rescuable
def start(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT:
        abort(404)
    if not services.call_is_open(call):
        not_yet = call.opens_at is not None and call.opens_at > utcnow()
        return render_template("applications/closed.html", call=call, not_yet=not_yet,
                               call_text=call.text(g.lang))
    if call.call_type == CallType.RAPID_RESPONSE:  # its own one-page request
        return redirect(url_for("rapid.new_request", call_id=call.id))
    require(Permission.APPLY_TO_CALL, call)
    orgs = queries.groups_for_call(current_user, call)
    form = _start_form(call, orgs)
    if done := act(form, lambda: _start(form, call, orgs),
                   lambda started: None if started[1] else (
                       _("Your group already has a draft for this call: here it is."), "info"),
                   lambda started: url_for(".step", application_id=started[0].id,
                                           number=started[0].current_step)):
        return done
    drafts = queries.drafts_for_call(current_user, call)
    return render_template("applications/start.html", form=form, call=call,
                           call_text=call.text(g.lang), drafts=drafts)


def _start_form(call: Call, groups: list[Organisation]) -> forms.StartForm:
    lang, kinds = g.get("lang", "en"), services.applying_kinds(call)
    default = str(groups[0].id) if len(groups) == 1 else ("new" if not groups else None)
    languages = current_app.config["CALL_LANGUAGES"]
    form = forms.StartForm(organisation=default, language=lang if lang in languages else "en",
                           kind=kinds[0].value if len(kinds) == 1 else None, **rescued())
    return forms.start_choices(form, groups=groups, kinds=kinds, languages=languages,
                               countries=countries(lang))


def _start(form: forms.StartForm, call: Call, orgs: list[Organisation]):
    if form.organisation.data == "new":
        org = create_organisation(current_user, kind=OrgKind(form.kind.data),
                                  name=form.name.data.strip(), country=form.country.data,
                                  legal_name=(form.legal_name.data or "").strip() or None)
    else:
        org = next(o for o in orgs if str(o.id) == form.organisation.data)
    return services.start_application(current_user, call, org, language=form.language.data)


# Steps -------------------------------------------------------------------------------------

@bp.route("/<int:application_id>/step/<int:number>", methods=["GET", "POST"])
@rescuable
def step(application_id: int, number: int):
    if number not in STEP_TITLES:
        abort(404)
    application = editable(application_id)
    if number == REVIEW:
        if request.method == "POST":
            return redirect(url_for(".step", application_id=application.id, number=REVIEW))
        return _review(application, services.problems(application))
    return _STEPS[number](application)


def _about(application: Application):
    form = forms.AboutForm(obj=application, **rescued())
    form.language.choices = _language_choices()
    form.risk_level.choices = RiskLevel.choices()
    if request.method == "POST":
        form.validate()
        names = ("title", "language", "risk_level", "threat_description", "safe_contact")
        values = {n: form[n].data for n in names if form[n].raw_data and not form[n].errors}
        return _save(application, ABOUT, form,
                     lambda: services.save_about(current_user, application, **values))
    return _render_step(application, ABOUT, form)


def _questions(application: Application):
    call = application.call
    fields = [(f"q{q.id}", forms.prompt(q, application)) for q in call.asked_questions]
    form = forms.questions_form(fields, lang=application.language,
                                data={f"q{a.question_id}": a.text for a in application.answers},
                                **rescued())
    form.remove.choices = [(str(d.id), d.filename) for d in application.documents]
    if request.method == "POST":
        return _save(application, QUESTIONS, form, lambda: _save_questions(application, form))
    return _render_step(application, QUESTIONS, form)


def _save_questions(application: Application, form) -> None:
    texts = {q.id: form[f"q{q.id}"].data for q in application.call.asked_questions
             if form[f"q{q.id}"].raw_data}
    services.save_answers(current_user, application, texts)
    documents.remove_documents(current_user, application, set(form.remove.data or []))
    refused = documents.save_uploads(
        current_user, application, max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        uploads={"reused_proposal": [form.proposal.data], "attachment": form.attachment.data or []})
    for name, messages in refused.items():  # the file is refused; the answers are kept
        form[name].errors = [*form[name].errors, *messages]


def _focus(application: Application):
    keys, words = services.focus_parts(application)
    form = forms.FocusForm(data={"populations": keys, "own_words": words}, **rescued())
    form.populations.choices = list(forms.POPULATION_LABELS.items())
    if request.method == "POST":  # a post without the text box is not this form: keep all
        return _save(application, FOCUS, form, lambda: form.own_words.raw_data and (
            services.save_focus(current_user, application, form.populations.data or [],
                                form.own_words.data or "")))
    return _render_step(application, FOCUS, form)


def _save(application: Application, number: int, form, action):
    """Save the step, then: 204 for an autosave, the page with its problems, or onwards."""
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        if _autosave():
            return {"saved": False}, 422
        attach_error(form, exc)
        return _render_step(application, number, form)
    application.current_step = number
    autosave, application_id = _autosave(), application.id
    # What is wrong is worked out before the commit, while the application, its call and
    # answers are still loaded (the commit expires them: reading them again took 8 queries).
    problems = [] if autosave else [
        ServiceError(_problem_text(p, application.currency), p.field)
        for p in _step_problems(application, number)]
    db.session.commit()
    if autosave:
        return "", 204
    for problem in problems:
        attach_error(form, problem)
    if any(f.errors for f in form) or form.form_errors:
        return _render_step(application, number, form, saved=True)
    return _onwards(application_id, number)


def _step_problems(application: Application, number: int) -> list[services.Problem]:
    """What is wrong on this step now (what is only missing waits for the review)."""
    return [p for p in services.problems(application) if p.step == number and not p.missing]


def _onwards(application_id: int, number: int):
    go = request.form.get("go", "next")
    if go == "save":
        flash(_("Your draft is saved."), "success")
    target = {"back": max(number - 1, ABOUT), "save": number}.get(go, number + 1)
    return redirect(url_for(".step", application_id=application_id, number=target))


def _render_step(application: Application, number: int, form, **context):
    if number == QUESTIONS:
        forms.describe_questions(form, application,
                                 replaced=services.uses_reused_proposal(application))
    return render_template(f"applications/step_{number}.html", application=application,
                           call=application.call, step=number, form=form,
                           call_open=services.accepts_sending(application), **context)


# Budget ------------------------------------------------------------------------------------

def _budget(application: Application):
    more = min(max(request.args.get("more", 0, type=int), 0), MAX_MORE)
    if request.method == "GET":
        data = rescued_formdata()
        raw = budget.rows_from_formdata(data) if data else None
        rows = (budget.check_rows(raw, application.call, g.lang) if raw is not None
                else budget.current_rows(application, g.lang))
        return _budget_page(application, rows, more)
    raw = budget.rows_from_formdata(request.form)
    try:
        rows = (budget.save_budget(current_user, application, raw, g.lang) if raw is not None
                else budget.current_rows(application, g.lang))
    except ServiceError as exc:
        db.session.rollback()
        if _autosave():
            return {"saved": False}, 422
        return _budget_page(application, budget.check_rows(raw or [], application.call,
                                                           g.lang), more, [exc.message])
    application.current_step = BUDGET
    db.session.commit()
    if _autosave():
        return "", 204
    if request.form.get("go") == "more":
        return redirect(url_for(".step", application_id=application.id, number=BUDGET,
                                more=min(more + 5, MAX_MORE)))
    bad_rows = any(row.errors for row in rows)  # then each row says what is wrong itself
    issues = [_problem_text(p, application.currency) for p in _step_problems(application, BUDGET)
              if not (bad_rows and p.message == services.ROWS_TO_FIX)]
    if issues or bad_rows:
        return _budget_page(application, rows, more, issues, saved=True)
    return _onwards(application.id, BUDGET)


def _budget_page(application: Application, rows: list[budget.Row], more: int,
                 issues: list[str] | None = None, **context):
    call = application.call
    blanks = max(BLANK_ROWS, MIN_ROWS - len(rows)) + more
    shown = rows + [budget.Row(dict.fromkeys(budget.FIELDS, "")) for _ in range(blanks)]
    return render_template(
        "applications/step_3.html", application=application, call=call, step=BUDGET,
        rows=shown, issues=issues or [], more=more,
        totals=budget.totals([r.line for r in rows if r.line is not None]),
        uncounted=any(r.errors for r in rows), call_open=services.accepts_sending(application),
        years=range(1, call.max_years + 1), categories=BudgetCategory.choices(), **context)


_STEPS = {ABOUT: _about, QUESTIONS: _questions, BUDGET: _budget, FOCUS: _focus}


# Review and send ---------------------------------------------------------------------------

def _summary(application: Application) -> dict:
    return forms.summary(
        application, own_side=can(current_user, Permission.VIEW_SELF_DESCRIPTION, application),
        lang=g.get("lang", "en"),
        sensitive=can(current_user, Permission.VIEW_APPLICATION_SENSITIVE, application))


def _review(application: Application, problems: list[services.Problem]):
    return render_template("applications/review.html", step=REVIEW, problems=problems,
                           form=forms.SendForm(), editable=True,
                           call_open=services.accepts_sending(application),
                           offers_route=routing.offers_route(application),
                           **_summary(application))


@bp.route("/<int:application_id>/submit", methods=["POST"])
def submit(application_id: int):
    application = editable(application_id)
    if not forms.SendForm().validate_on_submit():
        return redirect(url_for(".step", application_id=application.id, number=REVIEW))
    try:
        services.submit_application(current_user, application)
    except services.SubmissionRefused as exc:
        db.session.rollback()
        return _review(application, exc.problems)
    db.session.commit()
    return redirect(url_for(".sent", application_id=application.id))


@bp.route("/<int:application_id>/sent")
def sent(application_id: int):
    application = load(application_id)
    if application.status == ApplicationStatus.DRAFT:
        return redirect(url_for(".step", application_id=application.id, number=REVIEW))
    return render_template("applications/sent.html", application=application,
                           call_text=application.call.text(g.lang))


# Lists and pages ---------------------------------------------------------------------------

@bp.route("/")
def index():
    if can(current_user, Permission.LIST_ALL_APPLICATIONS):
        return _staff_index()
    mine = queries.applications_of(current_user)
    visible = [a for a in mine if can(current_user, Permission.VIEW_APPLICATION, a)]
    return render_template("applications/index.html", applications=visible, staff=False)


def _staff_index():
    call_id = request.args.get("call", type=parse_id)
    status = request.args.get("status", "")
    calls = queries.published_call_choices(g.get("lang", "en"))
    page = db.paginate(queries.sent_applications(call_id, status), per_page=PAGE_SIZE,
                       error_out=False)
    return render_template("applications/index.html", staff=True, page=page, calls=calls,
                           statuses=queries.STAFF_STATUSES, call_id=call_id, status=status)


@bp.route("/<int:application_id>")
def show(application_id: int):
    application = load(application_id)
    thread_ready = "messages.post_to_application" in current_app.view_functions
    hidden = (can(current_user, Permission.REVEAL_APPLICATION, application)
              and not can(current_user, Permission.VIEW_APPLICATION_SENSITIVE, application))
    group_side = is_member(current_user, application.organisation)
    # The group's open question comes first on its page, with the date to answer by.
    question = questions.question_of(application, utcnow(),
                                     current_app.config["ANSWER_WITHIN_DAYS"]) \
        if group_side and can(current_user, Permission.VIEW_APPLICATION_SENSITIVE,
                              application) else None
    kept = rescued_formdata()  # a message written as the session or form lapsed
    summary = _summary(application)
    return render_template("applications/show.html", editable=False, thread_ready=thread_ready,
                           reveal_form=forms.RevealForm() if hidden else None,
                           thread_text=kept.get("body", "") if kept else "",
                           group_side=group_side, question=question,
                           **_panels(application, thread_ready and summary["sensitive"]),
                           **summary)


def _panels(application: Application, with_thread: bool) -> dict:
    """What the page shows beside the application: the officers' review panel (for those
    who assign reviews) and the message thread (where the page shows it)."""
    review = review_services.summaries([application.id])[application.id] \
        if can(current_user, Permission.ASSIGN_REVIEW, application) else None
    return {"review_summary": review,
            "thread": message_thread(application) if with_thread else None}


@bp.route("/<int:application_id>/reveal", methods=["POST"])
def reveal(application_id: int):
    """Open a high-risk application's sensitive details, saying why (logged)."""
    application = load(application_id)
    require(Permission.REVEAL_APPLICATION, application)
    form = forms.RevealForm()
    if form.validate_on_submit():
        from grants.security import reveal as revealing

        revealing.reveal(current_user, application, form.reason.data)
        db.session.commit()
    else:
        flash(_("Choose why you need these details."), "error")
    if request.form.get("back") == "rapid" and application.rapid_category is not None:
        return redirect(url_for("rapid.decide", application_id=application.id))
    return redirect(url_for(".show", application_id=application.id))


def _document(application: Application, document_id: int) -> ApplicationDocument:
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != application.id:
        abort(404)
    return document


@bp.route("/<int:application_id>/documents/<int:document_id>")
def document(application_id: int, document_id: int):
    application = load(application_id)
    doc = _document(application, document_id)
    audit.record(current_user, "application.document_read", application, document_id=doc.id)
    db.session.commit()  # who read a defender's file is kept, even on a GET
    return make_response(doc.content, 200, documents.download_headers(doc))


@bp.route("/<int:application_id>/documents/<int:document_id>/delete", methods=["POST"])
def delete_document(application_id: int, document_id: int):
    application = editable(application_id)
    documents.remove_document(current_user, application, _document(application, document_id))
    db.session.commit()
    flash(_("The file was removed."), "success")
    return redirect(url_for(".step", application_id=application.id, number=QUESTIONS))


# Withdraw and delete -----------------------------------------------------------------------

@bp.route("/<int:application_id>/withdraw", methods=["GET", "POST"])
@rescuable
def withdraw(application_id: int):
    application = load(application_id)
    require(Permission.WITHDRAW_APPLICATION, application)
    form = forms.WithdrawForm(**rescued())
    if done := act(form, lambda: services.withdraw_application(current_user, application,
                                                             form.reason.data or ""),
                   lambda result: _("Your application %(code)s was withdrawn.",
                                    code=application.code_name),
                   lambda result: url_for(".show", application_id=application.id)):
        return done
    return render_template("applications/withdraw.html", application=application, form=form)


@bp.route("/<int:application_id>/delete", methods=["GET", "POST"])
def delete(application_id: int):
    application = load(application_id)
    require(Permission.DELETE_APPLICATION, application)
    form = forms.DeleteForm()
    if done := act(form, lambda: services.delete_draft(current_user, application),
                   _("The draft was deleted."), lambda result: url_for(".index")):
        return done
    return render_template("applications/delete.html", application=application, form=form)
