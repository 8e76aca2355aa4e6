"""Calls for proposals: the public list and page, and the officers' set-up."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
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
from sqlalchemy.orm import selectinload

from grants import money
from grants.applications.calls import (
    burden,
    display,
    editing,
    forms,
    opening,
    question_bank,
    question_edits,
    texts,
)
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallQuestion, CallStatus, CallType, Fund
from grants.policy import Permission, can, require
from grants.rescue import rescuable, rescued_formdata
from grants.web import act, attach_each, public, rescued, shown

bp = Blueprint("calls", __name__, url_prefix="/calls")
PAGE_SIZE = 20
INVALID = 422  # a form sent back with messages
CONFLICT = 409  # the call's state refuses the action


# How the time to apply is estimated, as the call pages explain it (its figures, not the
# services module: a template gets no way to run a query).
FORMULA = {"START_MINUTES": burden.START_MINUTES,
           "WORDS_PER_MINUTE": burden.WORDS_PER_MINUTE,
           "BUDGET_MINUTES": burden.BUDGET_MINUTES,
           "MINUTES_PER_ATTACHMENT": burden.MINUTES_PER_ATTACHMENT}


@bp.context_processor
def _helpers():
    return {"language_name": display.language_name,
            "native_language_name": display.native_language_name, "type_label": forms.type_label,
            "status_label": forms.status_label,
            "question_prompt": texts.question_prompt, "CallStatus": CallStatus,
            "question_wording": texts.question_wording, "rewordings": texts.rewordings,
            "limits": burden.limits(), "formula": FORMULA, "share": _share}


def _share(bp: int) -> str:
    return money.format_percent_bp(bp)


def _load(call_id: int) -> Call:
    return shown(Call, call_id, Permission.VIEW_CALL)


def _manage(call_id: int) -> Call:
    call = _load(call_id)
    require(Permission.MANAGE_CALLS, call)
    return call


def _with_children(q: sa.Select) -> sa.Select:
    return q.options(selectinload(Call.texts), selectinload(Call.questions),
                     selectinload(Call.fund))


# --- public ------------------------------------------------------------------------------

@bp.route("/")
@public
def index():
    language = request.args.get("language") or None
    if language not in current_app.config["CALL_LANGUAGES"]:
        language = None
    kind = request.args.get("type") or None
    call_type = CallType(kind) if kind in CallType._value2member_map_ else None
    # The list shows each call's texts and how long applying takes (burdens, counted in
    # SQL): its questions are not loaded.
    q = opening.open_calls(language=language, call_type=call_type).options(
        selectinload(Call.texts))
    page = db.paginate(q, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "calls/index.html", page=page, burdens=burden.burdens(page.items),
        opens_later={c.id for c in page.items if display.opens_later(c)},
        language=language, kind=call_type and call_type.value,
        language_choices=[(code, _with_native_name(code, name))
                          for code, name in _language_choices()],
        type_choices=[(t.value, forms.type_label(t)) for t in CallType])


@bp.route("/<int:call_id>")
@public
def show(call_id: int):
    call = _load(call_id)
    return _show(call)


def _text_language(call: Call) -> str:
    """The language to show the call in: the one asked for (?in=es) if it has it."""
    asked = request.args.get("in")
    return asked if asked in call.languages else g.lang


def _show(call: Call, *, refused: list[str] | None = None, status: int = 200):
    manager = can(current_user, Permission.MANAGE_CALLS, call)
    checklist = (opening.opening_problems(call)
                 if manager and call.status != CallStatus.OPEN and refused is None else [])
    may_apply = display.accepting(call) and (
        not current_user.is_authenticated or can(current_user, Permission.APPLY_TO_CALL, call))
    wanted = _text_language(call)
    return render_template("calls/show.html", call=call, text=call.text(wanted), wanted=wanted,
                           manager=manager, checklist=checklist, refused=refused or [],
                           may_apply=may_apply,
                           missing=texts.missing_texts(call) if manager else [],
                           closed=display.closed(call), accepting=display.accepting(call),
                           past_deadline=display.past_deadline(call),
                           burden=burden.burden(call)), status


# --- officers: list, set-up, texts ---------------------------------------------------------

@bp.route("/manage")
def manage():
    require(Permission.MANAGE_CALLS)
    q = (_with_children(sa.select(Call)).where(Call.intermediary_id.is_(None))
         .order_by(Call.created_at.desc(), Call.id.desc()))  # intermediaries run their own
    status = request.args.get("status") or None
    if status in CallStatus._value2member_map_:
        q = q.where(Call.status == CallStatus(status))
    else:
        status = None
    page = db.paginate(q, per_page=PAGE_SIZE, error_out=False)
    return render_template("calls/manage.html", page=page, status=status,
                           past_deadline={c.id for c in page.items if display.past_deadline(c)},
                           burdens={c.id: burden.burden(c) for c in page.items},
                           statuses=[(s.value, forms.status_label(s)) for s in CallStatus])


def _language_choices() -> list[tuple[str, str]]:
    return [(code, display.language_name(code))
            for code in current_app.config["CALL_LANGUAGES"]]


def _with_native_name(code: str, name: str) -> str:
    """ "Spanish - Español": a visitor finds their language even in a foreign interface."""
    native = display.native_language_name(code)
    return name if native == name else f"{name} - {native}"


def _fund_choices(call: Call | None) -> list[tuple[int, str]]:
    funds = db.session.scalars(sa.select(Fund).where(Fund.is_active).order_by(Fund.name)).all()
    if call is not None and call.fund not in funds:
        funds = [call.fund, *funds]
    return [(f.id, f"{f.name} ({f.currency})" + ("" if f.is_active else _(" - inactive")))
            for f in funds]


def _call_form(call: Call | None) -> forms.CallForm:
    kept = rescued()
    form = forms.CallForm(**kept)
    types = list(editing.MANAGED_TYPES)
    if call is not None and call.call_type == CallType.RAPID_RESPONSE:
        types = [CallType.RAPID_RESPONSE]
    form.call_type.choices = [(t.value, forms.type_label(t)) for t in types]
    form.languages.choices = _language_choices()
    form.main_language.choices = [("", _("The first language ticked")), *_language_choices()]
    if (call is None or call.status == CallStatus.DRAFT) and not (
            call is not None and call.intermediary_id):  # its award's fund, for good
        form.fund_id.choices = _fund_choices(call)
    else:
        del form.fund_id
    if request.method == "GET" and not kept:
        _fill(form, call)
    return form


def _fill(form: forms.CallForm, call: Call | None) -> None:
    if call is None:
        form.languages.data = current_app.config["CALL_LANGUAGES"][:1]
        return
    for name in ("allow_registered", "allow_unregistered", "allow_individuals",
                 "allow_intermediary_route", "allow_reused_proposal", "attachments_required",
                 "max_years", "languages"):
        form[name].data = getattr(call, name)
    form.call_type.data = call.call_type.value
    if "fund_id" in form:
        form.fund_id.data = call.fund_id
    form.main_language.data = call.languages[0] if call.languages else ""
    form.opens_on.data = call.opens_at.date() if call.opens_at else None
    form.closes_on.data = call.closes_at.date() if call.closes_at else None
    form.amount_min.data = money.plain_amount(call.amount_min_minor, call.currency)
    form.amount_max.data = money.plain_amount(call.amount_max_minor, call.currency)
    form.min_protection_share.data = display.plain_percent(call.min_protection_share_bp)
    form.min_psychosocial_share.data = display.plain_percent(call.min_psychosocial_share_bp)


def _store(call: Call | None, form) -> Call:
    """Create the call, or update it; the call either way."""
    if call is None:
        return editing.create_call(current_user, **_values(form))
    editing.update_call(current_user, call, **_values(form))
    return call


def _values(form: forms.CallForm) -> dict:
    fund = None
    if "fund_id" in form:
        fund = db.session.get(Fund, form.fund_id.data) if form.fund_id.data else None
    skip = {"csrf_token", "fund_id", "opens_on", "closes_on"}
    values = {k: v for k, v in form.data.items() if k not in skip}
    return {**values, "fund": fund, "main_language": form.main_language.data or None,
            "opens_at": display.start_of_day(form.opens_on.data),
            "closes_at": display.end_of_day(form.closes_on.data)}


def _save(call: Call | None):
    form = _call_form(call)
    if done := act(form, lambda: _store(call, form), _("Saved."),
                   lambda saved: url_for("calls.show", call_id=saved.id), attach=attach_each):
        return done
    status = INVALID if form.is_submitted() else 200
    return render_template("calls/form.html", form=form, call=call), status


@bp.route("/new", methods=["GET", "POST"])
@rescuable
def create():
    require(Permission.MANAGE_CALLS)
    return _save(None)


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@rescuable
def edit(call_id: int):
    return _save(_manage(call_id))


@bp.route("/<int:call_id>/text/<lang>", methods=["GET", "POST"])
@rescuable
def text(call_id: int, lang: str):
    call = _manage(call_id)
    if lang not in call.languages:
        abort(404)
    existing = next((t for t in call.texts if t.language == lang), None)
    form = forms.CallTextForm(**(rescued() or {"obj": existing}))
    for f in (form.title, form.description):
        f.render_kw = {**(f.render_kw or {}), "lang": lang, "dir": "auto"}
    if done := act(form, lambda: texts.save_text(current_user, call, lang,
                                                   title=form.title.data,
                                                   description=form.description.data),
                   lambda result: _("Saved the text in %(language)s.",
                                    language=display.language_name(lang)),
                   lambda result: url_for("calls.show", call_id=call.id), attach=attach_each):
        return done
    status = INVALID if form.is_submitted() else 200
    return render_template("calls/text.html", form=form, call=call, lang_code=lang,
                           existing=existing), status


# --- officers: questions -------------------------------------------------------------------

def _question_forms(call: Call, chosen: str | None, formdata):
    """The add-from-bank and add-custom forms; only `chosen` reads the posted data."""
    langs = [(code, display.language_name(code)) for code in call.languages]
    bank_cls = forms.with_prompts(forms.BankQuestionForm, langs, main_required=False)
    custom_cls = forms.with_prompts(forms.CustomQuestionForm, langs, main_required=True)
    bank = bank_cls(prefix="bank", formdata=formdata if chosen == "bank" else None)
    custom = custom_cls(prefix="custom", formdata=formdata if chosen == "custom" else None)
    asked = {q.bank_key for q in call.questions}
    bank.key.choices = [("", _("Choose a question"))] + [
        (e.key, _("%(prompt)s (%(n)d words)", prompt=e.prompt, n=e.word_limit))
        for e in question_bank.BANK.values() if e.key not in asked and not e.on_first_step]
    return bank, custom


def _questions_page(call: Call, bank=None, custom=None, *, status: int = 200,
                    refused: str | None = None):
    if bank is None:
        bank, custom = _question_forms(call, None, None)
    return render_template("calls/questions.html", call=call, bank=bank, custom=custom,
                           locked=question_edits.questions_locked(call), refused=refused,
                           burden=burden.burden(call),
                           questions=sorted(call.questions, key=lambda q: q.position)), status


@bp.route("/<int:call_id>/questions", methods=["GET", "POST"])
@rescuable
def questions(call_id: int):
    call = _manage(call_id)
    formdata = rescued_formdata() if request.method == "GET" else request.form
    chosen = "custom" if (formdata or {}).get("add") == "custom" else "bank"
    bank, custom = _question_forms(call, chosen if formdata else None, formdata)
    if request.method != "POST":
        return _questions_page(call, bank, custom)
    form = custom if chosen == "custom" else bank
    if not form.validate_on_submit():
        return _questions_page(call, bank, custom, status=INVALID)
    try:
        _add_question(call, form, chosen)
    except ServiceError as exc:
        db.session.rollback()
        locked = question_edits.questions_locked(call)
        if locked:
            return _questions_page(call, bank, custom, status=CONFLICT, refused=locked)
        attach_each(form, exc)
        return _questions_page(call, bank, custom, status=INVALID)
    db.session.commit()
    flash(_("Question added."), "success")
    return redirect(url_for("calls.questions", call_id=call.id))


def _add_question(call: Call, form, chosen: str) -> None:
    prompts = forms.prompts_of(form, call.languages)
    if chosen == "custom":
        question_edits.add_custom_question(
            current_user, call, prompts=prompts, word_limit=form.word_limit.data,
            required=form.required.data, replaceable=form.replaceable.data,
            sensitive=form.sensitive.data)
    else:
        question_edits.add_bank_question(current_user, call, form.key.data,
                                         word_limit=form.word_limit.data,
                                         required=form.required.data, prompts=prompts)


def _question(call: Call, qid: int) -> CallQuestion:
    question = db.session.get(CallQuestion, qid)
    if question is None or question.call_id != call.id:
        abort(404)
    return question


@bp.route("/<int:call_id>/questions/<int:qid>/delete", methods=["POST"])
def delete_question(call_id: int, qid: int):
    call = _manage(call_id)
    question = _question(call, qid)
    try:
        question_edits.remove_question(current_user, call, question)
    except ServiceError as exc:
        db.session.rollback()
        return _questions_page(call, status=CONFLICT, refused=exc.message)
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for("calls.questions", call_id=call.id))


@bp.route("/<int:call_id>/questions/<int:qid>/move", methods=["POST"])
def move_question(call_id: int, qid: int):
    call = _manage(call_id)
    question = _question(call, qid)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    try:
        question_edits.move_question(current_user, call, question, direction)
    except ServiceError as exc:
        db.session.rollback()
        return _questions_page(call, status=CONFLICT, refused=exc.message)
    db.session.commit()
    return redirect(url_for("calls.questions", call_id=call.id, _anchor=f"q{question.id}"))


# --- officers: opening and closing ---------------------------------------------------------

@bp.route("/<int:call_id>/open", methods=["POST"], endpoint="open")
def open_call(call_id: int):
    call = _manage(call_id)
    try:
        opening.open_call(current_user, call)
    except ServiceError as exc:
        db.session.rollback()
        return _show(call, refused=[e.message for e in getattr(exc, "errors", [exc])],
                     status=CONFLICT)
    db.session.commit()
    flash(_("The call is open."), "success")
    return redirect(url_for("calls.show", call_id=call.id))


@bp.route("/<int:call_id>/close", methods=["POST"], endpoint="close")
def close_call(call_id: int):
    call = _manage(call_id)
    try:
        opening.close_call(current_user, call)
    except ServiceError as exc:
        db.session.rollback()
        return _show(call, refused=[exc.message], status=CONFLICT)
    db.session.commit()
    flash(_("The call is closed. Applications already sent go on to review."), "success")
    return redirect(url_for("calls.show", call_id=call.id))
