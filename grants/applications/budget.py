"""The applicant's budget: rows as typed, checked one by one, and totals computed here.

While any row is wrong, all rows are kept as typed in `Application.budget_draft` and the
saved budget lines stay as they were; once every row is right, they replace the lines and
the amount requested becomes their total. Amounts are integers in minor units.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from flask import has_request_context
from flask_babel import gettext

from grants import money
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    PROTECTION_CATEGORIES,
    PSYCHOSOCIAL_CATEGORIES,
    Application,
    BudgetCategory,
    BudgetLine,
    Call,
    User,
)
from grants.validators import BIDI_CONTROLS, BIDI_MESSAGE, without_bidi_controls

FIELDS = ("category", "year", "description", "amount")
MAX_ROWS = 100
DESCRIPTION_MAX = 300
_ROW_KEY = re.compile(r"rows-(\d{1,3})-(category|year|description|amount|meant)")


@dataclass
class Row:
    """One budget row as typed, with a message per wrong field and, if right, its line."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    line: BudgetLine | None = None
    readings: tuple[tuple[str, str], ...] = ()  # the two ways its amount reads, to choose


@dataclass
class Totals:
    by_category: dict[BudgetCategory, int]
    by_year: dict[int, int]
    total: int
    protection: int
    psychosocial: int


def rows_from_formdata(formdata) -> list[dict[str, str]] | None:
    """Rows posted as rows-<i>-<field>, in order; None when the form carried no rows at all
    (a stray POST must not wipe a budget)."""
    found: dict[int, dict[str, str]] = {}
    for key in formdata:
        match = _ROW_KEY.fullmatch(key)
        if match:
            found.setdefault(int(match[1]), {})[match[2]] = formdata.get(key) or ""
    if not found:
        return None
    return [_kept({f: found[i].get(f, "").strip() for f in (*FIELDS, "meant")})
            for i in sorted(found)]


def _kept(values: dict[str, str]) -> dict[str, str]:
    """The row's fields, and "meant" (which reading of an amount was chosen) only if any."""
    return {k: v for k, v in values.items() if k in FIELDS or v}


def is_blank(values: dict[str, str]) -> bool:
    return not (values.get("category") or values.get("description") or values.get("amount"))


def check_rows(raw: list[dict[str, str]], call: Call, locale: str = "en") -> list[Row]:
    """Each non-blank row, checked against the call (categories, years, currency), its
    amount read as typed in `locale` (the page's language)."""
    rows = [Row(_kept({f: str(values.get(f) or "") for f in (*FIELDS, "meant")}))
            for values in raw if not is_blank(values)]
    for row in rows:
        _check(row, call, locale)
    return rows


def _said(message: str, **params) -> str:
    """A refusal with a number in it, said in the reader's language now: the page shows
    each row's message through _(), which finds a message but not one with its number."""
    return gettext(message, **params) if has_request_context() else message % params


def _year(text: str, call: Call) -> int:
    """The year typed; 0 (refused below) if it is no number ("²" passes str.isdigit())."""
    if not text.strip():
        return 1 if call.max_years == 1 else 0
    try:
        return int(text)
    except ValueError:
        return 0


def _check(row: Row, call: Call, locale: str) -> None:
    v, errors = row.values, row.errors
    if v["category"] not in BudgetCategory._value2member_map_:
        errors["category"] = "Choose a category."
    year = _year(v["year"], call)
    if not 1 <= year <= call.max_years:
        errors["year"] = _said("Choose a year from 1 to %(max)s.", max=call.max_years)
    if len(v["description"]) > DESCRIPTION_MAX:
        errors["description"] = _said("Use at most %(max)s characters.", max=DESCRIPTION_MAX)
    if BIDI_CONTROLS.intersection(v["description"]):  # a line's name, as in every name field
        v["description"] = without_bidi_controls(v["description"])
        errors["description"] = BIDI_MESSAGE
    amount = _amount(row, call.currency, locale)
    if not errors:
        row.line = BudgetLine(category=BudgetCategory(v["category"]), year=year,
                              description=v["description"], amount_minor=amount,
                              currency=call.currency)


def _amount(row: Row, currency: str, locale: str) -> int:
    text, errors = row.values["amount"], row.errors
    if not text:
        errors["amount"] = "Enter the amount."
        return 0
    try:
        minor = money.to_minor(_meant(row, locale), currency)
    except ServiceError as exc:
        errors["amount"] = exc.message
        return 0
    if minor == 0:
        errors["amount"] = "Enter an amount above zero, or leave the row empty."
    return minor


def _meant(row: Row, locale: str):
    """The amount typed, read in `locale`; of an amount that reads two ways, the reading
    chosen (posted as "meant"), else the refusal, with both readings kept on the row."""
    try:
        return money.read_number(row.values["amount"], locale)
    except money.AmbiguousNumber as exc:
        options = [money.plain_number(r) for r in exc.readings]
        if row.values.get("meant") in options:
            return money.read_number(row.values["meant"], None)
        row.readings = tuple(zip(options, exc.shown, strict=True))
        raise


def save_budget(actor: User, application: Application, raw: list[dict[str, str]],
                locale: str = "en") -> list[Row]:
    """Keep the rows: as lines when all are right, else as typed in the draft."""
    if len([r for r in raw if not is_blank(r)]) > MAX_ROWS:
        raise ServiceError("A budget can have at most %(max)s lines.", field="budget",
                           max=MAX_ROWS)
    rows = check_rows(raw, application.call, locale)
    if any(row.errors for row in rows):
        application.budget_draft = [row.values for row in rows]
    else:
        application.budget_lines = [row.line for row in rows]
        application.budget_draft = None
        application.amount_requested_minor = sum(row.line.amount_minor for row in rows)
    db.session.flush()
    return rows


def current_rows(application: Application, locale: str = "en") -> list[Row]:
    """The rows to show: the draft as typed if there is one, else the saved lines (amounts
    written in `locale`, so that they read back to themselves)."""
    if application.budget_draft is not None:
        return check_rows(application.budget_draft, application.call, locale)
    return [Row({"category": line.category.value, "year": str(line.year),
                 "description": line.description,
                 "amount": money.plain_amount(line.amount_minor, line.currency, locale)},
                line=line)
            for line in application.budget_lines]


def totals(lines: list[BudgetLine]) -> Totals:
    by_category: dict[BudgetCategory, int] = defaultdict(int)
    by_year: dict[int, int] = defaultdict(int)
    for line in lines:
        by_category[line.category] += line.amount_minor
        by_year[line.year] += line.amount_minor
    ordered = {c: by_category[c] for c in BudgetCategory if by_category.get(c)}
    return Totals(
        by_category=ordered, by_year=dict(sorted(by_year.items())),
        total=sum(ordered.values()),
        protection=sum(v for c, v in ordered.items() if c in PROTECTION_CATEGORIES),
        psychosocial=sum(v for c, v in ordered.items() if c in PSYCHOSOCIAL_CATEGORIES))


def share_bp(part: int, total: int) -> int:
    """`part` as basis points of `total`, rounded down (so a minimum is never met by rounding)."""
    return part * 10_000 // total if total else 0


def percent(bp: int) -> str:
    """Basis points as the reader writes a percentage: 1250 -> '12.5%', '12,5 %' in es."""
    return money.format_percent_bp(bp)
