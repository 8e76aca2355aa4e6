"""The upward report: what an intermediary tells the funder about a regranting award.

Aggregates only, computed in SQL (GROUP BY): how many groups, how much sub-granted and
paid, by category, country and theme, each split into the sub-grants made before this
year (the previous period), in this year, and both. No code, name or detail of any
sub-grantee. A figure of fewer than MIN_CELL groups is not shown (an amount of one or two
groups is what they got), nor any figure that would let a hidden one be worked out from
the shown ones: rows, periods and totals are tied by sums, and grants.disclosure hides
the complements (see its docstring).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import sqlalchemy as sa

from grants.disclosure import Relation, protect
from grants.extensions import db
from grants.models import Award, SubGrant
from grants.models.types import utcnow

MIN_CELL = 5
DIMENSIONS = ("category", "country", "theme")
PERIODS = ("before", "during", "all")  # before this year, in this year, both
TOTAL = "total"


@dataclasses.dataclass
class Cell:
    groups: int | None  # None: not shown, and then neither are the amounts
    amount_minor: int | None
    paid_minor: int | None

    @property
    def suppressed(self) -> bool:
        return self.groups is None


@dataclasses.dataclass
class Row:
    label: str
    cells: dict[str, Cell]  # by period


@dataclasses.dataclass
class UpwardReport:
    award: Award
    year: int  # "during" is this calendar year; "before" is every year before it
    totals: dict[str, Cell]  # by period
    tables: dict[str, list[Row]]

    @property
    def groups(self) -> int | None:
        return self.totals["all"].groups

    @property
    def sub_granted_minor(self) -> int | None:
        return self.totals["all"].amount_minor

    @property
    def paid_minor(self) -> int | None:
        return self.totals["all"].paid_minor


def upward_report(award: Award, now: datetime | None = None) -> UpwardReport:
    """The aggregate report of the award's sub-grants, with small cells and their
    complements suppressed."""
    year = (now or utcnow()).year
    figures = {(TOTAL, "", p): (0, 0, 0) for p in PERIODS}
    labels = {}
    for dimension in DIMENSIONS:
        labels[dimension] = _figures(award, dimension, datetime(year, 1, 1, tzinfo=UTC),
                                     figures)
    hidden = protect({k: v[0] for k, v in figures.items()}, relations(labels), MIN_CELL,
                     {k: v[1] for k, v in figures.items()})

    def cell(key) -> Cell:
        return Cell(None, None, None) if key in hidden else Cell(*figures[key])

    return UpwardReport(
        award=award, year=year, totals={p: cell((TOTAL, "", p)) for p in PERIODS},
        tables={d: [Row(label or "", {p: cell((d, label, p)) for p in PERIODS})
                    for label in labels[d]] for d in DIMENSIONS})


def _figures(award: Award, dimension: str, since: datetime, figures: dict) -> list[str]:
    """Add (groups, sub-granted, paid) per label and period of one dimension to `figures`;
    the labels in order. The totals are counted once, from the first dimension."""
    flagged = sa.select(getattr(SubGrant, dimension).label("label"),
                        sa.case((SubGrant.created_at >= since, 1), else_=0).label("during"),
                        SubGrant.amount_minor, SubGrant.paid_minor) \
        .where(SubGrant.award_id == award.id).subquery()
    rows = db.session.execute(
        sa.select(flagged.c.label, flagged.c.during, sa.func.count(),
                  sa.func.sum(flagged.c.amount_minor), sa.func.sum(flagged.c.paid_minor))
        .group_by(flagged.c.label, flagged.c.during)).all()
    labels = sorted({r[0] or "" for r in rows})
    for label in labels:
        for p in PERIODS:
            figures[(dimension, label, p)] = (0, 0, 0)
    for label, is_during, count, amount, paid in rows:
        values = (int(count), int(amount or 0), int(paid or 0))
        for key in ((dimension, label or "", "during" if is_during else "before"),
                    (dimension, label or "", "all")):
            figures[key] = tuple(a + b for a, b in zip(figures[key], values, strict=True))
        if dimension == DIMENSIONS[0]:
            for key in ((TOTAL, "", "during" if is_during else "before"), (TOTAL, "", "all")):
                figures[key] = tuple(a + b for a, b in zip(figures[key], values, strict=True))
    return labels


def relations(labels: dict[str, list[str]]) -> list[Relation]:
    """What adds up to what in the report: each row's periods to its total, each period's
    rows to the report's total for that period, and the two periods to the whole."""
    out = [Relation((TOTAL, "", "all"), ((TOTAL, "", "before"), (TOTAL, "", "during")))]
    for dimension, names in labels.items():
        out += [Relation((dimension, n, "all"), ((dimension, n, "before"),
                                                 (dimension, n, "during"))) for n in names]
        out += [Relation((TOTAL, "", p), tuple((dimension, n, p) for n in names))
                for p in PERIODS]
    return out


def as_text(report: UpwardReport, fmt=None) -> str:
    """The report as plain text (for the closing note and a download)."""
    from grants.money import format_money

    fmt = fmt or (lambda amount: format_money(amount, report.award.currency))

    def line(name: str, c: Cell) -> str:
        if c.suppressed:
            return f"{name}: not shown"
        return f"{name}: {c.groups} groups, {fmt(c.amount_minor)}, paid {fmt(c.paid_minor)}"

    periods = {"before": f"before {report.year}", "during": f"in {report.year}", "all": "all"}
    total = report.totals["all"]
    lines = [f"Upward report for {report.award.reference}",
             f"Groups funded: {'not shown' if total.suppressed else total.groups}"]
    lines += ["  " + line(periods[p], report.totals[p]) for p in PERIODS]
    for dimension, rows in report.tables.items():
        lines.append(f"By {dimension}:")
        for row in rows:
            lines += [f"  {row.label or '(none)'}, " + line(periods[p], row.cells[p])
                      for p in PERIODS]
    return "\n".join(lines)
