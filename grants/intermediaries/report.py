"""The upward report: what an intermediary tells the funder about a regranting award.

Aggregates only, computed in SQL (GROUP BY): how many groups, how much, by category,
country and theme. No code, name or detail of any sub-grantee. A cell of fewer than
MIN_CELL groups shows "fewer than 5" and no amount (an amount of one or two groups is what
they got); when exactly one cell of a table is suppressed, the next smallest is suppressed
too, so no suppressed amount can be found by subtracting the others from the total.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Award, SubGrant

MIN_CELL = 5
DIMENSIONS = ("category", "country", "theme")


@dataclasses.dataclass
class Cell:
    label: str
    groups: int | None  # None: suppressed
    amount_minor: int | None
    paid_minor: int | None

    @property
    def suppressed(self) -> bool:
        return self.groups is None


@dataclasses.dataclass
class UpwardReport:
    award: Award
    groups: int | None  # None: fewer than MIN_CELL in all
    sub_granted_minor: int
    paid_minor: int
    tables: dict[str, list[Cell]]


def upward_report(award: Award) -> UpwardReport:
    """The aggregate report of the award's sub-grants, with small cells suppressed."""
    groups, granted, paid = db.session.execute(
        sa.select(sa.func.count(sa.distinct(SubGrant.recipient_code)),
                  sa.func.coalesce(sa.func.sum(SubGrant.amount_minor), 0),
                  sa.func.coalesce(sa.func.sum(SubGrant.paid_minor), 0))
        .where(SubGrant.award_id == award.id)).one()
    return UpwardReport(award=award, groups=groups if groups >= MIN_CELL else None,
                        sub_granted_minor=int(granted), paid_minor=int(paid),
                        tables={d: _table(award, d) for d in DIMENSIONS})


def _table(award: Award, dimension: str) -> list[Cell]:
    column = getattr(SubGrant, dimension)
    rows = db.session.execute(
        sa.select(column, sa.func.count(sa.distinct(SubGrant.recipient_code)),
                  sa.func.sum(SubGrant.amount_minor), sa.func.sum(SubGrant.paid_minor))
        .where(SubGrant.award_id == award.id).group_by(column).order_by(column)).all()
    hidden = {label for label, count, _a, _p in rows if count < MIN_CELL}
    if len(hidden) == 1 and len(rows) > 1:  # complementary suppression
        shown = sorted((r for r in rows if r[0] not in hidden), key=lambda r: (r[1], r[2]))
        hidden.add(shown[0][0])
    return [Cell(label=label or "", groups=None if label in hidden else count,
                 amount_minor=None if label in hidden else int(amount),
                 paid_minor=None if label in hidden else int(paid_))
            for label, count, amount, paid_ in rows]


def as_text(report: UpwardReport, fmt=None) -> str:
    """The report as plain text (for the closing note and a download)."""
    from grants.money import format_money

    fmt = fmt or (lambda amount: format_money(amount, report.award.currency))

    def count(n):
        return f"fewer than {MIN_CELL}" if n is None else str(n)

    lines = [f"Upward report for {report.award.reference}",
             f"Groups funded: {count(report.groups)}",
             f"Sub-granted: {fmt(report.sub_granted_minor)}; paid: {fmt(report.paid_minor)}"]
    for dimension, cells in report.tables.items():
        lines.append(f"By {dimension}:")
        lines += [f"  {c.label or '(none)'}: {count(c.groups)} groups, "
                  f"{'suppressed' if c.suppressed else fmt(c.amount_minor)}" for c in cells]
    return "\n".join(lines)
