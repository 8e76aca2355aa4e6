"""Call rules: setting up a call and changing its set-up (type, fund, languages, dates,
amounts, shares, who may apply), every rule failure reported at once.

Every function of the call rules (here, texts, question_edits, opening) takes the acting
user explicitly, flushes and never commits, so a view, a CLI command and a test share the
same rules. Rule failures raise ServiceError (or `Problems`, several at once) with messages
safe to show to the officer who asked.
"""

from __future__ import annotations

from flask import current_app

from grants import money
from grants.applications.calls.display import language_name
from grants.applications.calls.display import translate as _
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallStatus, CallType, Fund, User
from grants.models.types import utcnow
from grants.security import audit

# Types set up on these pages; rapid-response calls have their own set-up.
MANAGED_TYPES = (CallType.OPEN, CallType.ROLLING, CallType.CONVENING, CallType.CORE_SUPPORT)
NO_DEADLINE_TYPES = frozenset({CallType.ROLLING, CallType.RAPID_RESPONSE})
MAX_YEARS = 5
MAX_ATTACHMENTS = 10


class Problems(ServiceError):
    """Several rule failures at once; each item of `errors` is a ServiceError."""

    def __init__(self, errors: list[ServiceError]):
        super().__init__(" ".join(e.message for e in errors))
        self.errors = errors


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
