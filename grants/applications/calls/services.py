"""Call rules: set-up, texts, questions, opening and closing, and the burden budget.

Every function takes the acting user explicitly, flushes and never commits, so a view, a
CLI command and a test share the same rules. Rule failures raise ServiceError (or
`Problems`, several at once) with messages safe to show to the officer who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from babel import Locale
from flask import current_app, has_request_context
from flask_babel import format_date, get_locale, gettext

from grants import money
from grants.applications.calls import question_bank
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallQuestion, CallStatus, CallText, CallType, Fund, User
from grants.models.types import utcnow
from grants.security import audit

# Types set up on these pages; rapid-response calls have their own set-up.
MANAGED_TYPES = (CallType.OPEN, CallType.ROLLING, CallType.CONVENING, CallType.CORE_SUPPORT)
NO_DEADLINE_TYPES = frozenset({CallType.ROLLING, CallType.RAPID_RESPONSE})
MAX_YEARS = 5
MAX_ATTACHMENTS = 10
MAX_WORD_LIMIT = 1000
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
PROMPT_MAX = 1000


class Problems(ServiceError):
    """Several rule failures at once; each item of `errors` is a ServiceError."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__(" ".join(e.message for e in errors))
        self.errors = errors


# --- the burden budget ---------------------------------------------------------------

START_MINUTES = 2
WORDS_PER_MINUTE = 10
BUDGET_MINUTES = 5
MINUTES_PER_ATTACHMENT = 5


@dataclass(frozen=True)
class Burden:
    questions: int
    words: int
    attachments: int
    minutes: int


@dataclass(frozen=True)
class Limits:
    questions: int
    words: int
    attachments: int


def burden(call: Call) -> Burden:
    """What a call asks of an applicant, and an honest estimate of the time it takes.

    minutes = 2 (to start) + total words asked / 10 words a minute + 5 (the budget)
              + 5 per required attachment, rounded up to a whole minute.
    The words asked are the sum of every question's word limit, optional ones included:
    applicants tend to answer everything.
    """
    asked = call.asked_questions
    return _burden(len(asked), sum(q.word_limit for q in asked),
                   call.attachments_required or 0)


def _burden(questions: int, words: int, attachments: int) -> Burden:
    minutes = (START_MINUTES + BUDGET_MINUTES + MINUTES_PER_ATTACHMENT * attachments
               + -(-words // WORDS_PER_MINUTE))
    return Burden(questions=questions, words=words, attachments=attachments, minutes=minutes)


def burdens(calls: list[Call]) -> dict[int, Burden]:
    """burden() for a page of calls, counted in SQL rather than by loading every question
    (their prompts in every language) of every call listed."""
    counted = {call_id: (n, words) for call_id, n, words in db.session.execute(
        sa.select(CallQuestion.call_id, sa.func.count(CallQuestion.id),
                  sa.func.coalesce(sa.func.sum(CallQuestion.word_limit), 0))
        .where(CallQuestion.call_id.in_([c.id for c in calls]))
        .group_by(CallQuestion.call_id))} if calls else {}
    return {c.id: _burden(*counted.get(c.id, (0, 0)), c.attachments_required or 0)
            for c in calls}


def limits() -> Limits:
    """The portal's burden limits (CALL_MAX_* settings)."""
    cfg = current_app.config
    return Limits(questions=cfg["CALL_MAX_QUESTIONS"], words=cfg["CALL_MAX_WORDS"],
                  attachments=cfg["CALL_MAX_REQUIRED_ATTACHMENTS"])


def burden_problems(b: Burden, lim: Limits) -> list[str]:
    """One message per limit the burden goes over, saying by how much."""
    out = []
    if b.questions > lim.questions:
        out.append(_("It asks %(n)d questions; the limit is %(limit)d. Remove %(over)d.",
                     n=b.questions, limit=lim.questions, over=b.questions - lim.questions))
    if b.words > lim.words:
        out.append(_("Its questions ask for up to %(n)d words; the limit is %(limit)d. "
                     "Lower the word limits by %(over)d words in all.",
                     n=b.words, limit=lim.words, over=b.words - lim.words))
    if b.attachments > lim.attachments:
        out.append(_("It requires %(n)d attachments; the limit is %(limit)d. "
                     "Require %(over)d fewer.", n=b.attachments, limit=lim.attachments,
                     over=b.attachments - lim.attachments))
    return out


# --- small helpers shared with the views and templates ---------------------------------

def _(message: str, **params) -> str:
    """Translate in a request; outside one (CLI, jobs) the English text, since the
    portal's locale selector reads the request."""
    if has_request_context():
        return gettext(message, **params)
    return message % params if params else message


def _long_date(moment: datetime) -> str:
    return format_date(moment, "long") if has_request_context() else moment.date().isoformat()


def _display_name(code: str, shown_in: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(shown_in) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def language_name(code: str) -> str:
    """The language's name in the interface language ("Spanish", "espagnol")."""
    return _display_name(code, str(get_locale() or "en") if has_request_context() else "en")


def native_language_name(code: str) -> str:
    """The language's name in itself ("Español")."""
    return _display_name(code, code)


def start_of_day(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0, 0), tzinfo=UTC)


def end_of_day(day: date | None) -> datetime | None:
    """A deadline typed as a date means the end of that day, UTC."""
    return None if day is None else datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def plain_percent(bp: int) -> str:
    """Basis points as the percentage typed in a form ("12.5")."""
    value = Decimal(bp) / 100
    return f"{value.normalize():f}" if value else "0"


def accepting(call: Call, now: datetime | None = None) -> bool:
    """True while the call takes applications: open, started and before its deadline."""
    now = now or utcnow()
    return (call.status == CallStatus.OPEN
            and (call.opens_at is None or call.opens_at <= now)
            and (call.closes_at is None or call.closes_at > now))


def expired(call: Call, now: datetime | None = None) -> bool:
    return call.closes_at is not None and call.closes_at <= (now or utcnow())


def closed(call: Call, now: datetime | None = None) -> bool:
    """The call takes no more applications for good: closed, or past its deadline."""
    return call.status == CallStatus.CLOSED or expired(call, now)


def past_deadline(call: Call, now: datetime | None = None) -> bool:
    """Still marked open, but its deadline has passed (the officers' lists say so)."""
    return call.status == CallStatus.OPEN and expired(call, now)


def opens_later(call: Call, now: datetime | None = None) -> bool:
    """It has an opening date and does not take applications yet (lists say from when)."""
    return call.opens_at is not None and not accepting(call, now)


def rewordings(question: CallQuestion) -> dict[str, str]:
    """The question's own wording by language: what the officer wrote. A bank question
    keeps none unless reworded; one added before the bank was translated stored the bank's
    English source as its English, which is not a rewording either."""
    prompts = {code: text for code, text in (question.prompts or {}).items() if text}
    entry = question_bank.get(question.bank_key)
    if entry is not None and prompts.get("en") == entry.english():
        del prompts["en"]
    return prompts


def question_wording(question: CallQuestion, language: str) -> tuple[str, str]:
    """The question to show a reader of `language`, and the language it is in.

    Its wording in `language` if the officer wrote one; else, for a bank question not
    reworded, the bank's translation; else the call's own wording in its main language
    (or any it has), for the reader to be told which language it is in.
    """
    own = rewordings(question)
    if own.get(language):
        return own[language], language
    entry = question_bank.get(question.bank_key)
    if entry is not None and not own:
        return entry.wording(language), question_bank.wording_language(language)
    main = question.call.languages[0] if question.call and question.call.languages else None
    if main and own.get(main):
        return own[main], main
    if own:
        return next(iter(own.items()))
    return "", language


def question_prompt(question: CallQuestion, language: str) -> str:
    """The question as `question_wording` finds it, without its language."""
    return question_wording(question, language)[0]


@dataclass(frozen=True)
class Gap:
    """What a call has no text for in one of the languages it accepts."""

    language: str
    messages: list[str]
    text: bool  # the title or description is missing
    questions: list[int]  # positions of questions with no wording in it


def missing_texts(call: Call) -> list[Gap]:
    """For each language the call accepts, what it has no text for in it: the title, the
    description, the wording of a question. A bank question not reworded is said in every
    language the portal is translated into; in another it needs the officer's wording."""
    texts = {t.language: t for t in call.texts}
    translated = set(current_app.config["LANGUAGES"])
    out = []
    for code in call.languages:
        text, messages = texts.get(code), []
        if text is None or not text.title.strip():
            messages.append(_("No title."))
        if text is None or not (text.description or "").strip():
            messages.append(_("No description."))
        untranslated = []
        for q in sorted(call.questions, key=lambda q: q.position):
            own = rewordings(q)
            bank_says_it = (question_bank.get(q.bank_key) is not None and not own
                            and code in translated)
            if not own.get(code) and not bank_says_it:
                untranslated.append(q.position)
        if untranslated:
            messages.append(_("No wording for question %(numbers)s.",
                              numbers=", ".join(str(n) for n in untranslated)))
        if messages:
            out.append(Gap(code, messages, text=text is None or not (
                text.title.strip() and (text.description or "").strip()),
                questions=untranslated))
    return out


def open_calls(*, language: str | None = None, call_type: CallType | None = None,
               now: datetime | None = None) -> sa.Select:
    """Calls taking (or about to take) applications, soonest deadline first, rolling last.

    A call is published in a language when it has a text in it: a language added to an
    open call appears here once its title is written.
    """
    now = now or utcnow()
    q = (sa.select(Call)
         .where(Call.status == CallStatus.OPEN,
                sa.or_(Call.closes_at.is_(None), Call.closes_at > now))
         .order_by(Call.closes_at.is_(None), Call.closes_at, Call.id))
    if language:
        q = q.where(sa.exists().where(CallText.call_id == Call.id,
                                      CallText.language == language))
    if call_type is not None:
        q = q.where(Call.call_type == call_type)
    return q


# --- creating and editing a call -------------------------------------------------------

FLAGS = ("allow_registered", "allow_unregistered", "allow_individuals",
         "allow_intermediary_route", "allow_reused_proposal")
AUDITED = ("call_type", "fund_id", "currency", "languages", "opens_at", "closes_at",
           "amount_min_minor", "amount_max_minor", *FLAGS, "min_protection_share_bp",
           "min_psychosocial_share_bp", "attachments_required", "max_years")


class _Collector:
    """Gathers every rule failure so the officer sees them all at once."""

    def __init__(self):
        self.errors: list[ServiceError] = []

    def add(self, message: str, field: str | None = None) -> None:
        self.errors.append(ServiceError(message, field))

    def attempt(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            self.errors.append(exc)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise Problems(self.errors)


def create_call(actor: User, **fields) -> Call:
    """Set up a draft call. See `update_call` for the fields and their rules."""
    call = Call(status=CallStatus.DRAFT, created_by_id=getattr(actor, "id", None),
                languages=[], texts=[], questions=[])
    values = _checked(None, fields)
    for key, value in values.items():
        setattr(call, key, value)
    db.session.add(call)
    db.session.flush()
    audit.record(actor, "call.created", call, call_type=call.call_type.value,
                 fund_id=call.fund_id, currency=call.currency, languages=call.languages,
                 amount_min_minor=call.amount_min_minor, amount_max_minor=call.amount_max_minor)
    return call


def update_call(actor: User, call: Call, **fields) -> Call:
    """Change a call's set-up. Fields: call_type, fund (None: unchanged), languages,
    main_language, opens_at, closes_at, amount_min and amount_max (typed decimals),
    the FLAGS, min_protection_share and min_psychosocial_share (typed percentages),
    attachments_required, max_years.

    Once a call is open its fund (and so its currency) is fixed. Unticking a language
    deletes the call's text in it.
    """
    values = _checked(call, fields)
    before = {key: getattr(call, key) for key in AUDITED}
    for key, value in values.items():
        setattr(call, key, value)
    kept = set(call.languages)
    call.texts = [t for t in call.texts if t.language in kept]
    db.session.flush()
    changed = sorted(k for k in AUDITED if getattr(call, k) != before[k])
    if changed:
        audit.record(actor, "call.updated", call, fields=changed)
    return call


def _checked(call: Call | None, f: dict) -> dict:
    """Validate typed fields against the rules; return model attribute values."""
    c = _Collector()
    values: dict = {}
    values.update(_check_type(c, call, f["call_type"]))
    values.update(_check_fund(c, call, f.get("fund")))
    values.update(_check_languages(c, f["languages"], f.get("main_language")))
    if "call_type" in values:
        values.update(_check_dates(c, call, values["call_type"], f.get("opens_at"),
                                   f.get("closes_at")))
    currency = values.get("currency") or (call.currency if call else None)
    if currency:
        values.update(_check_amounts(c, currency, f["amount_min"], f["amount_max"]))
    values.update(_check_shares(c, f["min_protection_share"], f["min_psychosocial_share"]))
    values.update(_check_numbers(c, f["attachments_required"], f["max_years"]))
    flags = {k: bool(f.get(k)) for k in FLAGS}
    if not (flags["allow_registered"] or flags["allow_unregistered"]
            or flags["allow_individuals"]):
        c.add(_("Choose at least one kind of applicant who may apply."), "allow_registered")
    values.update(flags)
    c.raise_any()
    return values


def _check_type(c: _Collector, call: Call | None, call_type) -> dict:
    try:
        call_type = CallType(call_type)
    except ValueError:
        c.add(_("Choose a type of call from the list."), "call_type")
        return {}
    was_rapid = call is not None and call.call_type == CallType.RAPID_RESPONSE
    if (call_type == CallType.RAPID_RESPONSE) != was_rapid:
        c.add(_("Rapid-response calls are set up separately; choose another type."),
              "call_type")
        return {}
    return {"call_type": call_type}


def _check_fund(c: _Collector, call: Call | None, fund: Fund | None) -> dict:
    if fund is None:
        if call is None:
            c.add(_("Choose a fund."), "fund_id")
        return {}
    if call is not None and fund.id == call.fund_id:
        return {}
    if call is not None and call.status != CallStatus.DRAFT:
        c.add(_("The fund and currency cannot change once the call has been opened."),
              "fund_id")
        return {}
    if not fund.is_active:
        c.add(_("That fund is not active. Choose an active fund."), "fund_id")
        return {}
    return {"fund_id": fund.id, "fund": fund, "currency": fund.currency}


def _check_languages(c: _Collector, languages, main: str | None) -> dict:
    allowed = current_app.config["CALL_LANGUAGES"]
    chosen = [code for code in allowed if code in set(languages or ())]
    if len(chosen) != len(set(languages or ())):
        c.add(_("Choose languages from the list."), "languages")
        return {}
    if not chosen:
        c.add(_("Choose at least one language the call is published in."), "languages")
        return {}
    if main and main not in chosen:
        c.add(_("Tick %(language)s among the languages too, or choose another main language.",
                language=language_name(main)), "main_language")
        return {}
    if main:
        chosen = [main, *(code for code in chosen if code != main)]
    return {"languages": chosen}


def _check_dates(c: _Collector, call: Call | None, call_type, opens_at, closes_at) -> dict:
    no_deadline = call_type in NO_DEADLINE_TYPES
    if no_deadline and closes_at is not None:
        c.add(_("A rolling call has no deadline: leave the deadline empty."), "closes_on")
        return {}
    if not no_deadline and closes_at is None:
        c.add(_("Set a deadline, or make this a rolling call."), "closes_on")
        return {}
    if opens_at and closes_at and closes_at <= opens_at:
        c.add(_("The deadline must come after the opening date."), "closes_on")
        return {}
    if (call is not None and call.status == CallStatus.OPEN and closes_at
            and closes_at <= utcnow()):
        c.add(_("That deadline has passed. To stop taking applications now, close the call."),
              "closes_on")
        return {}
    return {"opens_at": opens_at, "closes_at": closes_at}


def _check_amounts(c: _Collector, currency: str, amount_min: str, amount_max: str) -> dict:
    low = c.attempt(money.to_minor, amount_min or "0", currency, field="amount_min")
    high = c.attempt(money.to_minor, amount_max, currency, field="amount_max")
    if high is not None and high <= 0:
        c.add(_("The largest amount must be more than zero."), "amount_max")
        return {}
    if low is None or high is None:
        return {}
    if low > high:
        c.add(_("The largest amount cannot be less than the smallest amount."), "amount_max")
        return {}
    return {"amount_min_minor": low, "amount_max_minor": high}


def percent_to_bp(text: str | None, field: str) -> int:
    """A percentage as a form field passes it on ("12.5", read by `fields.PercentField` in
    the page's language) in basis points (1250)."""
    value = money.read_number(text or "0", None, field=field, kind=money.PERCENT)
    if not value.is_finite() or value < 0 or value > 100:
        raise ServiceError(_("Enter a percentage from 0 to 100."), field)
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise ServiceError(_("Use at most two decimal places."), field)
    return int(scaled)


def _check_shares(c: _Collector, protection: str, psychosocial: str) -> dict:
    prot = c.attempt(percent_to_bp, protection, "min_protection_share")
    psy = c.attempt(percent_to_bp, psychosocial, "min_psychosocial_share")
    if prot is None or psy is None:
        return {}
    if prot + psy > 10_000:
        c.add(_("Together the two minimum shares come to %(total)s; they can be at most "
                "%(most)s.", total=money.format_percent_bp(prot + psy),
                most=money.format_percent_bp(10_000)), "min_psychosocial_share")
        return {}
    return {"min_protection_share_bp": prot, "min_psychosocial_share_bp": psy}


def _check_numbers(c: _Collector, attachments, max_years) -> dict:
    values = {}
    if not isinstance(attachments, int) or not 0 <= attachments <= MAX_ATTACHMENTS:
        c.add(_("Enter a number of attachments from 0 to %(n)d.", n=MAX_ATTACHMENTS),
              "attachments_required")
    else:
        values["attachments_required"] = attachments
    if not isinstance(max_years, int) or not 1 <= max_years <= MAX_YEARS:
        c.add(_("Enter a number of years from 1 to %(n)d.", n=MAX_YEARS), "max_years")
    else:
        values["max_years"] = max_years
    return values


# --- texts -------------------------------------------------------------------------------

def save_text(actor: User, call: Call, language: str, *, title: str,
              description: str = "") -> CallText:
    """Write the call's title and description in one of its languages."""
    if language not in call.languages:
        raise ServiceError(_("The call is not published in that language."))
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ServiceError(_("Give the call a title."), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("Keep the title under %(n)d characters.", n=TITLE_MAX), "title")
    if len(description) > DESCRIPTION_MAX:
        raise ServiceError(_("Keep the description under %(n)d characters.",
                             n=DESCRIPTION_MAX), "description")
    text = next((t for t in call.texts if t.language == language), None)
    created = text is None
    if created:
        text = CallText(language=language, title=title, description=description)
        call.texts.append(text)
    else:
        text.title, text.description = title, description
    db.session.flush()
    audit.record(actor, "call.text_saved", call, language=language, created=created)
    return text


# --- questions ---------------------------------------------------------------------------

def questions_locked(call: Call) -> str | None:
    """Why the call's questions cannot change now, or None while it is a draft."""
    if call.status == CallStatus.DRAFT:
        return None
    if call.status == CallStatus.OPEN:
        return _("The questions cannot change: this call is open, and applicants may "
                 "already be answering them. Questions can only change while a call is a "
                 "draft.")
    return _("The questions cannot change: this call has been open, and applications "
             "answer them. Questions can only change while a call is a draft.")


def _lock(call: Call) -> None:
    """Re-read the call under a row lock (PostgreSQL) so that two officers editing its
    questions, or one opening it meanwhile, take turns; SQLite has a single writer."""
    db.session.refresh(call, with_for_update=True)
    db.session.expire(call, ["questions"])


def _require_draft(call: Call) -> None:
    _lock(call)
    reason = questions_locked(call)
    if reason:
        raise ServiceError(reason)


def add_bank_question(actor: User, call: Call, key: str, *, word_limit: int | None = None,
                      required: bool = True, prompts: dict[str, str] | None = None
                      ) -> CallQuestion:
    """Add a question from the bank; `prompts` may reword it in any of the call's languages."""
    _require_draft(call)
    entry = question_bank.get(key)
    if entry is None:
        raise ServiceError(_("Choose a question from the list."), "key")
    if entry.on_first_step:
        raise ServiceError(_("Every application already answers this on its first step; a "
                             "call does not ask it again."), "key")
    if any(q.bank_key == key for q in call.questions):
        raise ServiceError(_("The call already asks this question."), "key")
    # Only the officer's rewordings are stored: the bank's own wording is said in the
    # reader's language when shown (see question_wording).
    wording = {code: text for code, text in _clean_prompts(call, prompts or {}).items()
               if text != entry.wording(code)}
    return _add(actor, call, bank_key=key, prompts=wording,
                word_limit=word_limit or entry.word_limit, required=required,
                sensitive=entry.sensitive, replaceable=entry.replaceable)


def add_custom_question(actor: User, call: Call, *, prompts: dict[str, str], word_limit: int,
                        required: bool = True, replaceable: bool = False,
                        sensitive: bool = False) -> CallQuestion:
    """Add a question the officer wrote; it needs a prompt in the call's main language."""
    _require_draft(call)
    wording = _clean_prompts(call, prompts)
    main = call.languages[0]
    if not wording.get(main):
        raise ServiceError(_("Write the question in %(language)s, the call's main language.",
                             language=language_name(main)), f"prompt_{main}")
    return _add(actor, call, bank_key=question_bank.CUSTOM, prompts=wording,
                word_limit=word_limit, required=required, sensitive=sensitive,
                replaceable=replaceable)


def _clean_prompts(call: Call, prompts: dict[str, str]) -> dict[str, str]:
    out = {}
    for code, text in prompts.items():
        text = (text or "").strip()
        if not text:
            continue
        if code not in call.languages:
            raise ServiceError(_("The call is not published in that language."))
        if len(text) > PROMPT_MAX:
            raise ServiceError(_("Keep the question under %(n)d characters.", n=PROMPT_MAX),
                               f"prompt_{code}")
        out[code] = text
    return out


def _add(actor: User, call: Call, *, word_limit: int, **fields) -> CallQuestion:
    if not isinstance(word_limit, int) or not 1 <= word_limit <= MAX_WORD_LIMIT:
        raise ServiceError(_("Enter a word limit from 1 to %(n)d.", n=MAX_WORD_LIMIT),
                           "word_limit")
    position = max((q.position for q in call.questions), default=0) + 1
    question = CallQuestion(position=position, word_limit=word_limit, **fields)
    call.questions.append(question)
    db.session.flush()
    audit.record(actor, "call.question_added", call, question_id=question.id,
                 bank_key=question.bank_key, position=position, word_limit=word_limit)
    return question


def remove_question(actor: User, call: Call, question: CallQuestion) -> None:
    """Remove a question; the others keep their order, numbered 1..n."""
    _require_draft(call)
    qid, key = question.id, question.bank_key
    call.questions.remove(question)  # delete-orphan
    db.session.flush()
    _renumber(call, sorted(call.questions, key=lambda q: q.position))
    audit.record(actor, "call.question_removed", call, question_id=qid, bank_key=key)


def move_question(actor: User, call: Call, question: CallQuestion, direction: str) -> None:
    """Move a question one place up or down (no-op at either end)."""
    _require_draft(call)
    if direction not in ("up", "down"):
        raise ServiceError(_("Choose up or down."))
    order = sorted(call.questions, key=lambda q: q.position)
    i = order.index(question)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return
    order[i], order[j] = order[j], order[i]
    _renumber(call, order)
    audit.record(actor, "call.question_moved", call, question_id=question.id,
                 direction=direction, position=question.position)


def _renumber(call: Call, order: list[CallQuestion]) -> None:
    """Number `order` 1..n. Two flushed passes keep (call_id, position) unique throughout."""
    for i, q in enumerate(order, start=1):
        q.position = -i
    db.session.flush()
    for i, q in enumerate(order, start=1):
        q.position = i
    db.session.flush()
    db.session.expire(call, ["questions"])


# --- opening and closing -----------------------------------------------------------------

def opening_problems(call: Call, now: datetime | None = None) -> list[str]:
    """Everything that stops the call from opening, one message per problem."""
    now = now or utcnow()
    out = []
    if not call.fund.is_active:
        out.append(_("The fund %(name)s is not active.", name=call.fund.name))
    titled = {t.language for t in call.texts if t.title.strip()}
    out += [_("There is no title in %(language)s yet.", language=language_name(code))
            for code in call.languages if code not in titled]
    if not call.asked_questions:
        out.append(_("Add at least one question."))
    main = call.languages[0] if call.languages else None
    out += [_("Question %(n)d has no wording in %(language)s, the main language.",
              n=q.position, language=language_name(main))
            for q in call.questions
            if main and q.bank_key == question_bank.CUSTOM and not (q.prompts or {}).get(main)]
    if call.call_type not in NO_DEADLINE_TYPES:
        if call.closes_at is None:
            out.append(_("Set a deadline, or make this a rolling call."))
        elif call.closes_at <= now:
            out.append(_("The deadline (%(date)s) has passed. Set a later one.",
                         date=_long_date(call.closes_at)))
    out += burden_problems(burden(call), limits())
    return out


def open_call(actor: User, call: Call) -> Call:
    """Publish the call. Refused, with every reason at once, if it is not ready."""
    _lock(call)
    if call.status == CallStatus.OPEN:
        raise ServiceError(_("This call is already open."))
    problems = opening_problems(call)
    if problems:
        raise Problems([ServiceError(p) for p in problems])
    previous = call.status
    call.status = CallStatus.OPEN
    if call.opens_at is None:
        call.opens_at = utcnow()
    db.session.flush()
    audit.record(actor, "call.opened", call, previous=previous.value,
                 closes_at=call.closes_at.isoformat() if call.closes_at else None)
    return call


def close_call(actor: User, call: Call) -> Call:
    """Stop taking applications (applications already sent go on to review)."""
    _lock(call)
    if call.status != CallStatus.OPEN:
        raise ServiceError(_("Only an open call can be closed."))
    call.status = CallStatus.CLOSED
    db.session.flush()
    audit.record(actor, "call.closed", call, deadline_passed=expired(call))
    return call
