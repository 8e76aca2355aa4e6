"""The portfolio's figures (Section IV): one period and the one before it, all from SQL
aggregates. The number of queries is fixed, however many grants there are.

Shared pieces live here: the period, the SQL for hours between two timestamps and for the
median and 90th percentile (window functions that SQLite and PostgreSQL both run).
Money is never added across currencies: every money figure is grouped by currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

CURRENT, PREVIOUS = "current", "previous"


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included; `previous()` is as long, just before."""

    start: date
    end: date

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.start.month == 1 and self.start.day == 1 and (
                self.end.month, self.end.day) == (12, 31):
            years = self.end.year - self.start.year + 1  # whole years stay whole years
            return Period(date(self.start.year - years, 1, 1), date(self.end.year - years, 12, 31))
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), UTC)

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), UTC)

    @property
    def years(self) -> tuple[int, int]:
        return self.start.year, self.end.year


def in_period(column, period: Period):
    return sa.and_(column >= period.since, column < period.until)


def period_label(column, period: Period):
    """'current' or 'previous' for a timestamp already known to fall in one of the two."""
    return sa.case((column >= period.since, sa.literal(CURRENT)), else_=sa.literal(PREVIOUS))


def in_either(column, period: Period):
    return sa.and_(column >= period.previous().since, column < period.until)


class hours_between(FunctionElement):  # noqa: N801 (used like a SQL function)
    """Hours from the first timestamp to the second, as a float, in SQL."""

    type = sa.Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(hours_between)
def _hours_postgresql(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


def _float(expr):
    return sa.cast(expr, sa.Float)


def percentiles(values, value: str = "v", group: str = "period") -> sa.Select:
    """Per `group` of the subquery `values`: n, the median (the mean of the two middle values
    when n is even) and the 90th percentile (nearest rank: the ceil(0.9 n)-th value).

    ROW_NUMBER and COUNT over the ordered values find the ranks; `//` is integer division
    on both databases."""
    v, g = values.c[value], values.c[group]
    ranked = sa.select(
        g.label("g"), v.label("v"),
        sa.func.row_number().over(partition_by=g, order_by=v).label("rn"),
        sa.func.count().over(partition_by=g).label("n"),
    ).subquery()
    rn, n = ranked.c.rn, ranked.c.n
    middle = sa.or_(rn == (n + 1) // 2, rn == (n + 2) // 2)
    return (sa.select(ranked.c.g, sa.func.max(n).label("n"),
                      _float(sa.func.avg(sa.case((middle, ranked.c.v)))).label("median"),
                      _float(sa.func.max(sa.case((rn == (9 * n + 9) // 10, ranked.c.v))))
                      .label("p90"))
            .group_by(ranked.c.g))


def total(expr):
    """SUM as an integer: PostgreSQL sums BIGINT as NUMERIC, SQLite as INTEGER."""
    return sa.cast(sa.func.sum(expr), sa.BigInteger)


def share(part, whole) -> float | None:
    """part / whole as a fraction, None when there is nothing to share."""
    return None if not whole else float(part or 0) / float(whole)
