"""How the call pages say things: a message in the page's language (or English outside a
request), dates, language names, percentages, and whether a call takes applications."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from babel import Locale
from flask import has_request_context
from flask_babel import format_date, get_locale, gettext

from grants.models import Call, CallStatus
from grants.models.types import utcnow


def translate(message: str, **params) -> str:
    """Translate in a request; outside one (CLI, jobs) the English text, since the
    portal's locale selector reads the request."""
    if has_request_context():
        return gettext(message, **params)
    return message % params if params else message


def long_date(moment: datetime) -> str:
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
