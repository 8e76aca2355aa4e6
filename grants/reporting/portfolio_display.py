"""How the portfolio's figures read on the page: labels, numbers and the charts' rows.

These loops run over aggregated rows (a handful per currency), never over grants.
"""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from grants import money
from grants.countries import country_name
from grants.models import BudgetCategory, CallType, CommitmentStatus, RapidCategory
from grants.reporting import charts
from grants.reporting.portfolio import Period
from grants.reporting.portfolio_forms import (
    COLUMN_LABELS,
    DIMENSION_LABELS,
    NOT_CALL_TYPE_LABELS,
    POPULATION_LABELS,
)


def percent(value) -> str:
    return money.format_share(value, places=1)


def hours(value) -> str:
    return "–" if value is None else _("%(n)s h", n=format_decimal(value, "#,##0.#"))


def number(value) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.#")


def year_span(period: Period) -> str:
    first, last = period.years
    return str(first) if first == last else f"{first}–{last}"


def key_label(dim: str, key: str) -> str:
    if dim == "country":
        return country_name(key)
    if dim == "call_type":
        return str(NOT_CALL_TYPE_LABELS[key] if key in NOT_CALL_TYPE_LABELS
                   else CallType.label_of(key))
    if dim == "category":
        return str(BudgetCategory.label_of(key))
    if dim == "commitment":
        return str(CommitmentStatus.label_of(key))
    return key


def money_chart(dim: str, caption: str, rows: list[dict]):
    """A chart when there are two rows or more to compare (one bar says nothing new)."""
    if len(rows) < 2:
        return None
    return charts.bar_chart(
        _("Awarded and paid this period: %(what)s", what=caption),
        _("Two bars a row: awarded, then paid. The figures are in the table above."),
        [(key_label(dim, r["key"]), [r["awarded_current"], r["paid_current"]]) for r in rows],
        [_("Awarded"), _("Paid")])


def category_chart(caption: str, rows: list[dict]):
    if len(rows) < 2:
        return None
    return charts.bar_chart(
        caption, _("One bar per category, this period. The figures are in the table above."),
        [(key_label("category", r["key"]), [r["current"]]) for r in rows])


SHARES = (
    ("shares", "multi_year", _l("Multi-year")),
    ("shares", "core", _l("Core (unrestricted)")),
    ("shares", "intermediary", _l("Through intermediaries")),
    ("shares", "unregistered", _l("Unregistered groups and individual defenders")),
    ("budget", "protection", _l("Protection and security lines")),
    ("budget", "psychosocial", _l("Psychosocial and well-being lines")),
)


def share_rows(shares: dict, budget: dict) -> list[tuple[str, float | None, float | None]]:
    """(label, this period, previous period) for each share of one currency."""
    source = {"shares": shares, "budget": budget}
    return [(str(label), source[src].get("current", {}).get(f"{key}_share"),
             source[src].get("previous", {}).get(f"{key}_share")) for src, key, label in SHARES]


def share_chart(caption: str, rows: list):
    return charts.bar_chart(
        caption, _("Two bars a row, out of 100%: this period, then the previous one. "
                   "The figures are in the table above."),
        [(label, [now, then]) for label, now, then in rows],
        [_("This period"), _("Previous period")], scale=1.0)


def rapid_chart(current: dict, previous: dict):
    return charts.bar_chart(
        _("Rapid-response requests by what they were for"),
        _("Two bars a row: this period, then the previous one. The figures are in the table "
          "above."),
        [(str(c.short_label), [current[c.value], previous[c.value]]) for c in RapidCategory],
        [_("This period"), _("Previous period")])


def template_helpers() -> dict:
    return {"pct": percent, "hours": hours, "number": number, "year_span": year_span,
            "key_label": key_label, "money_chart": money_chart,
            "category_chart": category_chart, "share_rows": share_rows,
            "share_chart": share_chart, "rapid_chart": rapid_chart,
            "dimension_labels": DIMENSION_LABELS,
            "column_labels": COLUMN_LABELS, "population_labels": POPULATION_LABELS}
