"""Money as integer minor units with an ISO 4217 currency; never floats.

Reading what people type (`read_number`, `to_minor(..., locale=...)`)
----------------------------------------------------------------------
An amount or a percentage is read in the language of the page, never guessed:

1. Bidirectional marks are dropped; Arabic-Indic (U+0660-0669) and Persian (U+06F0-06F9)
   digits are read as 0-9; a currency code ("USD") or symbol ("US$", "$", "€", as Babel
   writes them in any of the portal's languages) typed before or after an amount is
   dropped, as is "%" (or "٪") after a percentage. A minus sign is refused.
2. Marks between digits: the Arabic decimal separator U+066B is always the decimal mark;
   spaces (also no-break U+00A0, narrow no-break U+202F, thin U+2009), apostrophes (' and
   ’) and the Arabic thousands separator U+066C always group thousands. Of "." and ",",
   the one that is the language's decimal mark in Babel (latin digits) is the decimal mark
   (en, ar, fa: "."; es, fr, pt, ru: ","), the other one groups thousands.
3. A reading is well formed when at most one decimal mark comes, after every grouping
   mark, all grouping marks are the same mark, and, when grouped, the first group has one
   to three digits and does not start with 0, and each later group has exactly three.
4. The text is read first with the language's marks (rule 2). If that is well formed and
   has not exactly three digits after its decimal mark, that is the number.
5. Otherwise it is also read with "." and "," swapped (the other habit: "1.500,50" on an
   English page, "1,500.50" on a Spanish one). If exactly one of the two readings is well
   formed, or both give the same number, that is the number; if neither is, the text is
   refused as not a number.
6. If both are well formed and differ ("1.500" on an English page: 1.5 or 1500; "1,500" on
   a Spanish, French, Portuguese or Russian one: 1,5 or 1500), `AmbiguousNumber` is raised
   with both readings; the form keeps the text and asks which one was meant.
7. Text that reads one way but is not that number as the page's language writes it (Babel's
   patterns, with or without grouping, in its own digits or latin ones, a symbol along:
   `written_as_the_page_writes`), such as "1,500.50" on a Spanish page, is shown back as
   understood ("1.500,50") and sent again before a form acts on it (`grants.fields`).

Text that a program wrote (configuration, `plain_amount`, the value a form field passes on
after reading) is read with `locale=None`: digits with an optional "." and decimals only.
`plain_amount` writes a value back for editing in the page's language with no grouping,
so that it reads back to itself under these rules (for currencies of up to two decimals).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
)
from flask import has_request_context
from flask_babel import get_locale

from grants.errors import N_, ServiceError

# Currencies a funder of defenders commonly holds or pays in; extend as needed.
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "CAD", "AUD", "JPY", "KES",
              "NGN", "ZAR", "BRL", "MXN", "COP", "INR", "PHP", "UAH", "TRY")


def exponent(currency: str) -> int:
    return get_currency_precision(currency)


def to_minor(text: str | Decimal, currency: str, *, field: str | None = None,
             locale: str | None = None) -> int:
    """Minor units of an amount: text typed in `locale` ("1.500,50" in "es"), text a
    program wrote (`locale=None`, "1500.50"), or a number a form field already read."""
    if isinstance(text, Decimal):
        value = text
    else:
        value = read_number(text, locale, field=field, kind=AMOUNT)
    if not value.is_finite() or value < 0:
        raise ServiceError("Enter an amount of zero or more.", field)
    places = exponent(currency)
    scaled = value * (10**places)
    if scaled != scaled.to_integral_value():
        raise ServiceError("%(currency)s amounts have at most %(places)s decimal places.", field,
                           currency=currency, places=places)
    if scaled >= 10**15:
        raise ServiceError("That amount is too large.", field)
    return int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def reader_locale() -> str:
    """The language of the page being answered ("en" outside a request: CLI, logs)."""
    locale = get_locale() if has_request_context() else None
    return str(locale) if locale else "en"


def format_money(amount: int | None, currency: str, locale: str | None = None) -> str:
    """The amount written for a reader: in `locale`, or by default in the language of the
    page being answered, so that an amount a rule states in a refusal ("only 1.500,00 US$
    is left") reads as the page around it does."""
    if amount is None:
        return ""
    return _formatted(amount, currency, locale or reader_locale())


@lru_cache(maxsize=4096)
def _formatted(amount: int, currency: str, locale: str) -> str:
    # Babel takes some 15 microseconds a call and a page formats dozens of amounts, most of
    # them again and again (totals, equal tranches, every view of the same award). The text
    # is a function of these three arguments alone (locale data is fixed while the process
    # runs), and an amount with its currency is nobody's secret without the page around it.
    return format_currency(from_minor(amount, currency), currency, locale=locale)


def format_share(share: Decimal | float | None, locale: str | None = None, *,
                 places: int = 2) -> str:
    """A share (0.6121) as the reader writes a percentage, rounded to `places` decimals:
    "61.21%" in English, "61,21 %" in Spanish or French (the locale's own pattern, with its
    no-break space), "–" when there is none."""
    if share is None:
        return "–"
    percent = Decimal(str(share)).scaleb(2).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return format_percent(_trimmed(percent).scaleb(-2), locale=locale or reader_locale(),
                          decimal_quantization=False)


def format_percent_bp(bp: int, locale: str | None = None) -> str:
    """Basis points as the reader writes a percentage: 1250 -> "12.5%", "12,5 %" in es."""
    return format_share(Decimal(bp).scaleb(-4), locale)


def _trimmed(value: Decimal) -> Decimal:
    """Without trailing zeros ("12.50" -> "12.5", "100.00" -> "100")."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def plain_amount(amount: int, currency: str, locale: str | None = None) -> str:
    """The amount as typed in a form field (no grouping, no symbol), in `locale`'s marks."""
    return plain_number(from_minor(amount, currency), locale)


def plain_number(value: Decimal, locale: str | None = None) -> str:
    """A number written for editing: "1500.50", or "1500,50" where "," is the decimal mark."""
    text = f"{value:f}"
    return text.replace(".", _marks(locale)[0]) if locale else text


# --- reading numbers as people type them (rules in the module docstring) -----------------

AMOUNT, PERCENT = "amount", "percent"
TOO_LARGE = Decimal(10**15)  # no amount or share reaches it; past 28 digits Decimal cannot round
LANGUAGES = ("en", "es", "fr", "pt", "ru", "ar", "fa")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_SPACES = " \u00a0\u202f\u2009\u2007"
_GROUPS = frozenset(_SPACES + "'\u2019\u066c")  # always group thousands
_DECIMALS = frozenset("\u066b")  # always the decimal mark
_PART = re.compile(r"([0-9]+)|(.)", re.S)
_MACHINE = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+")


class AmbiguousNumber(ServiceError):
    """The text reads as two different numbers in the page's language; `readings` holds
    both (the language's own reading first) for the form to offer."""

    def __init__(self, typed: str, readings: tuple[Decimal, Decimal], locale: str,
                 field: str | None = None):
        first, second = (format_decimal(r, format="#,##0.00####", locale=locale)
                         for r in readings)
        super().__init__(N_("“%(typed)s” could mean %(first)s or %(second)s: choose the "
                            "one you meant."), field, typed=typed, first=first, second=second)
        self.readings, self.shown = readings, (first, second)


class Unread(str):
    """Text a form field could not read (kept as typed), carrying its refusal: the service
    that reads it with `locale=None` raises that refusal, about its own field, so the
    refusal is shown where and with what the service's other refusals are shown."""

    refusal: ServiceError

    def __new__(cls, typed: str, refusal: ServiceError):
        text = super().__new__(cls, typed)
        text.refusal = refusal
        return text

    def refuse(self, field: str | None) -> ServiceError:
        self.refusal.field = field or self.refusal.field
        return self.refusal


def _marks(locale: str | None) -> tuple[str, str]:
    """(decimal mark, the other of "." and ",") of a language, latin digits."""
    decimal = get_decimal_symbol(locale or "en", numbering_system="latn")
    decimal = decimal if decimal in ".," else "."
    return decimal, "," if decimal == "." else "."


@lru_cache(maxsize=1)
def _symbols() -> tuple[str, ...]:
    """Currency codes and symbols a person may type along, longest first."""
    found = {"$", "€", "£", "¥"} | set(CURRENCIES)
    for code in CURRENCIES:
        found |= {get_currency_symbol(code, locale=lang) for lang in LANGUAGES}
    return tuple(sorted((s.strip() for s in found if s.strip()), key=len, reverse=True))


def read_number(text: str | None, locale: str | None, *, field: str | None = None,
                kind: str = AMOUNT) -> Decimal:
    """The number a person typed in `locale` (or a program wrote, `locale=None`), refused
    past what an amount can be: a longer number cannot even be written back (Decimal's
    28 digits) and is nobody's budget."""
    value = _read_number(text, locale, field=field, kind=kind)
    if value >= TOO_LARGE:
        raise (ServiceError("Enter a percentage from 0 to 100.", field) if kind == PERCENT
               else ServiceError("That amount is too large.", field))
    return value


def _read_number(text: str | None, locale: str | None, *, field: str | None,
                 kind: str) -> Decimal:
    if isinstance(text, Unread):
        raise text.refuse(field)
    cleaned = _strip_along(_BIDI.sub("", text or "").translate(_DIGITS).strip(), kind)
    if cleaned[:1] in ("-", "−") and kind == PERCENT:
        raise ServiceError("Enter a percentage from 0 to 100.", field)
    if cleaned[:1] in ("-", "−"):
        raise ServiceError("Enter an amount of zero or more.", field)
    if locale is None:
        if not _MACHINE.fullmatch(cleaned):
            raise _not_a_number(field, kind, None)
        return Decimal(cleaned)
    decimal, other = _marks(locale)
    own = _reading(cleaned, _DECIMALS | {decimal}, _GROUPS | {other})
    if own is not None and own[1] != 3:
        return own[0]
    swapped = _reading(cleaned, _DECIMALS | {other}, _GROUPS | {decimal})
    found = [r[0] for r in (own, swapped) if r is not None]
    if not found:
        raise _not_a_number(field, kind, locale)
    if len(found) == 2 and found[0] != found[1]:
        raise AmbiguousNumber(text or "", (found[0], found[1]), locale, field)
    return found[0]


def written_as_the_page_writes(text: str, value: Decimal, locale: str, kind: str = AMOUNT
                               ) -> bool:
    """True when `text` is `value` as the page's language writes it (with or without
    grouping, its digits or latin ones, a symbol along): nothing could surprise whoever
    typed it, so the reading needs no confirming."""
    core = _strip_along(_BIDI.sub("", text).translate(_DIGITS).strip(), kind)
    return _spaced(core) in _writings(value, locale)


@lru_cache(maxsize=1024)
def _writings(value: Decimal, locale: str) -> frozenset[str]:
    systems = ("latn", "default", "arab") if locale.startswith("ar") else ("latn", "default")
    return frozenset(
        _spaced(format_decimal(value, format=pattern, locale=locale, numbering_system=system,
                               decimal_quantization=False).translate(_DIGITS))
        for system in systems for pattern in (None, "#,##0.00", "0.##", "0.00"))


def _spaced(text: str) -> str:
    return "".join(" " if c in _SPACES else c for c in text)


def _strip_along(text: str, kind: str) -> str:
    """Drop a currency code or symbol (amounts) or a percent sign typed before or after."""
    tokens = _symbols() if kind == AMOUNT else ("%", "٪")
    for token in tokens:
        if text.upper().startswith(token.upper()):
            text = text[len(token):].strip()
            break
    for token in tokens:
        if text.upper().endswith(token.upper()):
            text = text[:-len(token)].strip()
            break
    return text


def _reading(text: str, decimals: frozenset[str], groups: frozenset[str]
             ) -> tuple[Decimal, int] | None:
    """(number, count of decimals) when `text` is well formed with these marks."""
    parts = [m.group(1) or m.group(2) for m in _PART.finditer(text)]
    marks = [p for p in parts if not _digits(p)]
    if not parts or any(m not in decimals | groups for m in marks):
        return None
    points = [i for i, p in enumerate(parts) if p in decimals]
    whole = parts[:points[0]] if points else parts
    fraction = parts[points[0] + 1:] if points else []
    if len(points) > 1 or any(not _digits(p) for p in fraction):
        return None
    runs = whole[0::2]
    if any(not _digits(r) for r in runs) or any(_digits(p) for p in whole[1::2]):
        return None
    if not _grouped_well(runs, whole[1::2]) or not (runs or fraction):
        return None
    digits = "".join(runs) or "0"
    tail = "".join(fraction)
    return Decimal(f"{digits}.{tail}" if tail else digits), len(tail)


def _digits(part: str) -> bool:
    """Latin digits only: "²" and "①" pass str.isdigit() but are no digits Decimal reads."""
    return part.isascii() and part.isdigit()


def _grouped_well(runs: list[str], marks: list[str]) -> bool:
    if not marks:
        return True
    kinds = {" " if m in _SPACES else m for m in marks}
    first_ok = 1 <= len(runs[0]) <= 3 and not runs[0].startswith("0")
    return len(kinds) == 1 and first_ok and all(len(r) == 3 for r in runs[1:])


def _not_a_number(field: str | None, kind: str, locale: str | None) -> ServiceError:
    example = plain_number(Decimal("1500.50") if kind == AMOUNT else Decimal("12.5"), locale)
    if kind == PERCENT:
        return ServiceError("Enter a percentage in numbers, like %(example)s.", field,
                            example=example)
    return ServiceError("Enter an amount in numbers, like %(example)s.", field, example=example)
