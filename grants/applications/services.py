"""Application rules: start a draft, save each step as typed, check it, send, withdraw, delete.

A draft is saved on every step, also when it is not yet right: nothing typed is lost.
What is wrong or missing is found by `problems()`, the one check that the step pages, the
review page and `submit_application` all share.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from grants.applications import budget
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    ApplicationStatusChange,
    Award,
    AwardStatus,
    Call,
    CallStatus,
    Organisation,
    OrgKind,
    RiskLevel,
    User,
)
from grants.models.types import utcnow
from grants.policy import is_member
from grants.reporting import focus
from grants.security import audit

ABOUT, QUESTIONS, BUDGET, FOCUS, REVIEW = 1, 2, 3, 4, 5
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U/V pairs to misread
ANSWER_MAX_CHARS = 100_000  # far beyond any word limit; stops abuse, never a real answer
THREAT_MAX_CHARS = 3000
CONTACT_MAX_CHARS = 1000
OWN_WORDS_PREFIX = "own:"
POPULATION_KEYS = ("women", "lgbtiq", "indigenous", "minorities", "migrants_refugees",
                   "disabilities", "young_people", "land_environment", "journalists", "lawyers")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclasses.dataclass
class Problem:
    """Something to fix (or, when `missing`, to add) before the application can be sent.

    `message` is an English msgid with %(name)s placeholders filled from `params` when shown;
    params ending in `_minor` are amounts in the application's currency.
    """

    step: int
    message: str
    field: str | None = None
    params: dict = dataclasses.field(default_factory=dict)
    missing: bool = False


class SubmissionRefused(ServiceError):
    def __init__(self, problems: list[Problem]):
        super().__init__("The application cannot be sent yet.")
        self.problems = problems


def count_words(text: str | None) -> int:
    """Words as a reader counts them; each Chinese or Japanese character counts as one."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return len(re.findall(r"\S+", _CJK.sub(" ", text))) + cjk


def eligible_kinds(call: Call) -> list[OrgKind]:
    """Kinds of group the call funds directly."""
    allowed = ((call.allow_registered, OrgKind.REGISTERED_NGO),
               (call.allow_unregistered, OrgKind.UNREGISTERED_GROUP),
               (call.allow_individuals, OrgKind.INDIVIDUAL_DEFENDER))
    return [kind for ok, kind in allowed if ok]


ROUTABLE_KINDS = (OrgKind.UNREGISTERED_GROUP, OrgKind.INDIVIDUAL_DEFENDER)


def applying_kinds(call: Call) -> list[OrgKind]:
    """Kinds of group that may apply: those funded directly, and on a call with an
    intermediary route (IV.6) unregistered groups and defenders through an intermediary."""
    kinds = eligible_kinds(call)
    if call.allow_intermediary_route and call.intermediary_id is None:
        kinds += [k for k in ROUTABLE_KINDS if k not in kinds]
    return kinds


def needs_intermediary(application: Application) -> bool:
    """The group can only be funded through an intermediary on this call."""
    return application.organisation.kind not in eligible_kinds(application.call)


def call_is_open(call: Call, now: datetime | None = None) -> bool:
    """Open for applications: published as open, started, and its deadline not passed."""
    now = now or utcnow()
    return (call.status == CallStatus.OPEN
            and (call.opens_at is None or call.opens_at <= now)
            and (call.closes_at is None or now < call.closes_at))


def accepts_sending(application: Application, now: datetime | None = None) -> bool:
    """A first sending needs the call open; an answer to the funder's request for more
    information is welcome after the deadline too."""
    return application.status != ApplicationStatus.DRAFT or call_is_open(application.call, now)


def new_code_name() -> str:
    """A reference like GR-7KQ2-9XMP that is not in use yet."""
    for _attempt in range(20):
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"GR-{raw[:4]}-{raw[4:]}"
        if db.session.scalar(sa.select(Application.id).where(Application.code_name == code)) \
                is None:
            return code
    raise RuntimeError("no free reference code found")  # 30**8 codes: never in practice


def start_application(actor: User, call: Call, org: Organisation, *,
                      language: str) -> tuple[Application, bool]:
    """Open a draft for `org` on `call`; returns (application, created).

    An organisation keeps one draft per call: if it has one, that draft is returned.
    """
    if not call_is_open(call):
        raise ServiceError("This call is closed: it no longer takes applications.")
    if not is_member(actor, org):
        raise ServiceError("Choose one of your own groups.", field="organisation")
    if org.kind not in applying_kinds(call):
        raise ServiceError("This call does not take applications from this kind of group.",
                           field="organisation")
    _check_language(language)
    # Serialise two starts for the same group (double click, two tabs) on PostgreSQL.
    db.session.execute(sa.select(Organisation.id).where(Organisation.id == org.id)
                       .with_for_update())
    existing = db.session.scalar(sa.select(Application).where(
        Application.call_id == call.id, Application.organisation_id == org.id,
        Application.status == ApplicationStatus.DRAFT).order_by(Application.id).limit(1))
    if existing is not None:
        return existing, False
    application = Application(
        call=call, organisation=org, created_by_id=actor.id, code_name=new_code_name(),
        status=ApplicationStatus.DRAFT, language=language, currency=call.currency,
        country=org.country, amount_requested_minor=0)
    application.history.append(ApplicationStatusChange(to_status=ApplicationStatus.DRAFT,
                                                       actor_id=actor.id))
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "application.started", application, call_id=call.id)
    return application, True


def _check_language(language: str | None) -> None:
    if language not in current_app.config["CALL_LANGUAGES"]:
        raise ServiceError("Choose a language from the list.", field="language")


def save_about(actor: User, application: Application, **fields) -> None:
    """Save step 1 as typed; only the fields given are changed."""
    if "language" in fields:
        _check_language(fields["language"])
        application.language = fields["language"]
    if "title" in fields:
        title = (fields["title"] or "").strip()
        if len(title) > 200:
            raise ServiceError("A title can have at most 200 characters.", field="title")
        application.title = title
    if "risk_level" in fields:
        application.risk_level = RiskLevel(fields["risk_level"])
    for name in ("threat_description", "safe_contact"):
        if name in fields:
            setattr(application, name, _text(fields[name]) or None)
    db.session.flush()


def _text(value: str | None) -> str:
    """Typed text with line endings made uniform and outer blank space removed."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def save_answers(actor: User, application: Application, texts: dict[int, str]) -> None:
    """Save answers exactly as typed (over-long ones too: `problems` flags them)."""
    by_question = {a.question_id: a for a in application.answers}
    valid_ids = {q.id for q in application.call.asked_questions}
    for question_id, raw in texts.items():
        if question_id not in valid_ids:
            continue
        text = _text(raw)
        if len(text) > ANSWER_MAX_CHARS:
            raise ServiceError("That answer is far too long to keep.", field=f"q{question_id}")
        answer = by_question.get(question_id)
        if not text:
            if answer is not None:
                application.answers.remove(answer)
        elif answer is None:
            application.answers.append(ApplicationAnswer(question_id=question_id, text=text))
        elif answer.text != text:
            answer.text = text
    db.session.flush()


def save_focus(actor: User, application: Application, keys: list[str], own_words: str) -> None:
    """Save the self-description (IV.2): optional, never required, never shown to staff.

    Stored as a list: the suggested keys chosen, then `own:` + the applicant's own words.
    """
    chosen = [k for k in POPULATION_KEYS if k in set(keys)]
    text = _text(own_words)
    if len(text) > 500:
        raise ServiceError("Use at most 500 characters.", field="own_words")
    if text:
        chosen.append(OWN_WORDS_PREFIX + text)
    application.focus_populations = chosen or None
    db.session.flush()


def focus_parts(application: Application) -> tuple[list[str], str]:
    """The chosen keys and the own words, from the stored list."""
    stored = application.focus_populations or []
    keys = [v for v in stored if not v.startswith(OWN_WORDS_PREFIX)]
    words = next((v[len(OWN_WORDS_PREFIX):] for v in stored if v.startswith(OWN_WORDS_PREFIX)),
                 "")
    return keys, words


def uses_reused_proposal(application: Application) -> bool:
    return application.reused_proposal and application.call.allow_reused_proposal


def problems(application: Application, now: datetime | None = None) -> list[Problem]:
    """Everything that stops this application from being sent, in step order."""
    found = [*_about_problems(application), *_answer_problems(application),
             *_attachment_problems(application), *budget_problems(application)]
    return found + _eligibility_problems(application, now)


def _eligibility_problems(application: Application, now: datetime | None) -> list[Problem]:
    found = []
    if application.status not in ApplicationStatus.EDITABLE:
        found.append(Problem(REVIEW, "This application has already been sent."))
    if not accepts_sending(application, now):
        found.append(Problem(REVIEW, "This call is closed: it no longer takes applications."))
    if application.organisation.kind not in applying_kinds(application.call):
        found.append(Problem(REVIEW, "This call does not take applications from this kind of "
                                     "group."))
    elif needs_intermediary(application) and not (
            application.intermediary_id or application.wants_intermediary_found):
        found.append(Problem(REVIEW, "Choose an intermediary, or ask the funder to find one.",
                             "route", missing=True))
    return found


def _about_problems(application: Application) -> list[Problem]:
    found = []
    if not (application.title or "").strip():
        found.append(Problem(ABOUT, "Give your request a short title.", "title", missing=True))
    if application.language not in current_app.config["CALL_LANGUAGES"]:
        found.append(Problem(ABOUT, "Choose a language from the list.", "language"))
    for name, limit in (("threat_description", THREAT_MAX_CHARS),
                        ("safe_contact", CONTACT_MAX_CHARS)):
        length = len(getattr(application, name) or "")
        if length > limit:
            found.append(Problem(ABOUT, "%(count)d characters, the limit is %(limit)d.", name,
                                 {"count": length, "limit": limit}))
    return found


def _answer_problems(application: Application) -> list[Problem]:
    answers = {a.question_id: a.text for a in application.answers}
    replaced = uses_reused_proposal(application)
    found = []
    for number, question in enumerate(application.call.asked_questions, start=1):
        text, name = answers.get(question.id, ""), f"q{question.id}"
        words = count_words(text)
        if words > question.word_limit:
            found.append(Problem(QUESTIONS, "Question %(number)d: %(words)d words, the limit is "
                                            "%(limit)d.", name,
                                 {"number": number, "words": words, "limit": question.word_limit}))
        elif not text and question.required and not (replaced and question.replaceable):
            found.append(Problem(QUESTIONS, "Question %(number)d needs an answer.", name,
                                 {"number": number}, missing=True))
    return found


def _attachment_problems(application: Application) -> list[Problem]:
    needed = application.call.attachments_required
    have = sum(1 for d in application.documents if d.purpose == "attachment")
    if have >= needed:
        return []
    return [Problem(QUESTIONS, "Documents to attach: %(needed)d. Attached so far: %(have)d.",
                    "attachment", {"needed": needed, "have": have}, missing=True)]


def budget_problems(application: Application) -> list[Problem]:
    """The budget rules: rows valid, protection (IV.8) and psychosocial (IV.10) lines with
    their minimum shares, and a total within the call's range."""
    if application.budget_draft is not None:
        return [Problem(BUDGET, ROWS_TO_FIX, "budget")]
    if not application.budget_lines:
        return [Problem(BUDGET, "Add your budget.", "budget", missing=True)]
    call, t = application.call, budget.totals(application.budget_lines)
    found = []
    for part, minimum, what in ((t.protection, call.min_protection_share_bp, "protection"),
                                (t.psychosocial, call.min_psychosocial_share_bp, "psychosocial")):
        if part == 0:
            found.append(Problem(BUDGET, MISSING_LINE[what], "budget"))
        elif budget.share_bp(part, t.total) < minimum:
            found.append(Problem(BUDGET, SHARE_TOO_LOW[what], "budget", {
                "share": budget.percent(budget.share_bp(part, t.total)),
                "minimum": budget.percent(minimum)}))
    if not call.amount_min_minor <= t.total <= call.amount_max_minor:
        found.append(Problem(BUDGET, "The total, %(total_minor)s, must be between "
                                     "%(min_minor)s and %(max_minor)s.", "budget",
                             {"total_minor": t.total, "min_minor": call.amount_min_minor,
                              "max_minor": call.amount_max_minor}))
    return found


ROWS_TO_FIX = N_("Some budget lines need fixing.")
MISSING_LINE = {
    "protection": N_("Add a protection or security line: for example safety measures, "
                     "digital security, or protection in your country."),
    "psychosocial": N_("Add a psychosocial or well-being line: for example counselling, "
                       "rest, or care for your team."),
}
SHARE_TOO_LOW = {
    "protection": N_("Protection and security lines are %(share)s of the total; this call "
                     "asks for at least %(minimum)s."),
    "psychosocial": N_("Psychosocial and well-being lines are %(share)s of the total; this "
                       "call asks for at least %(minimum)s."),
}


def submit_application(actor: User, application: Application,
                       now: datetime | None = None) -> None:
    """Send the application to the funder once every rule holds; raise SubmissionRefused."""
    now = now or utcnow()
    # Lock the row so a double click cannot send twice (PostgreSQL; SQLite has one writer).
    db.session.execute(sa.select(Application.id).where(Application.id == application.id)
                       .with_for_update())
    db.session.refresh(application, ["status"])
    found = problems(application, now)
    if found:
        raise SubmissionRefused(found)
    application.amount_requested_minor = budget.totals(application.budget_lines).total
    routed = application.intermediary_id is not None and application.endorsed_at is None
    change_status(actor, application, ApplicationStatus.AWAITING_ENDORSEMENT if routed
                  else ApplicationStatus.SUBMITTED)
    focus.count_first_sending(application, now)  # IV.2 tallies, on the first sending only
    application.submitted_at = application.submitted_at or now  # the first sending counts
    db.session.flush()
    audit.record(actor, "application.submitted", application, call_id=application.call_id,
                 amount_requested_minor=application.amount_requested_minor,
                 currency=application.currency, reused_proposal=application.reused_proposal)


def change_status(actor: User, application: Application, to: ApplicationStatus,
                   note: str | None = None) -> None:
    application.history.append(ApplicationStatusChange(
        from_status=application.status, to_status=to, actor_id=actor.id, note=note))
    application.status = to


def withdraw_application(actor: User, application: Application, reason: str = "") -> None:
    """Take a sent application back; the reason stays encrypted in its history. An approval
    still waiting for a second officer is cancelled with it."""
    if application.status not in ApplicationStatus.WITHDRAWABLE:
        raise ServiceError("This application can no longer be withdrawn.")
    change_status(actor, application, ApplicationStatus.WITHDRAWN, _text(reason) or None)
    pending = db.session.scalar(sa.select(Award).where(
        Award.application_id == application.id, Award.status == AwardStatus.PENDING_APPROVAL))
    if pending is not None:
        pending.status = AwardStatus.CANCELLED
    db.session.flush()
    audit.record(actor, "application.withdrawn", application, call_id=application.call_id,
                 cancelled_award_id=pending.id if pending else None)


def delete_draft(actor: User, application: Application) -> None:
    """Delete a draft that was never sent, with its answers, budget and documents."""
    if application.status != ApplicationStatus.DRAFT:
        raise ServiceError("Only a draft that was never sent can be deleted.")
    audit.record(actor, "application.deleted", application, call_id=application.call_id)
    db.session.delete(application)  # answers, lines, documents and history go with it
    db.session.flush()
