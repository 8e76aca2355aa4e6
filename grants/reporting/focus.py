"""Focus-population tallies (Section IV.2): counted when an application is first sent,
read only as suppressed aggregates.

Each application's own answer stays encrypted; what is counted in the clear is one row per
(fund, year, population key) with a count, never which application chose what. The
applicant's own words ("own:" entries) are never counted.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from grants.disclosure import sum_of_parts
from grants.extensions import db
from grants.models import Application
from grants.models.reporting import FocusTally
from grants.models.types import utcnow

OWN_WORDS_PREFIX = "own:"
SMALL_CELL = 5  # any count under this is not shown, nor any sum it is in


def count_first_sending(application: Application, now: datetime | None = None) -> None:
    """Add the application's chosen population keys to the tallies, once: call it before
    `submitted_at` is set, so that sending again after a question counts nothing."""
    if application.submitted_at is not None:
        return
    keys = sorted({k for k in application.focus_populations or []
                   if k and not k.startswith(OWN_WORDS_PREFIX) and len(k) <= 40})
    if keys:
        increment(application.call.fund_id, (now or utcnow()).year, keys)


def increment(fund_id: int, year: int, populations: list[str]) -> None:
    """Add one to each population's tally in one statement that two requests may run at
    once: INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 (PostgreSQL and SQLite
    3.24+ alike), so neither a lost update nor a duplicate row is possible."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(FocusTally).values(
        [{"fund_id": fund_id, "year": year, "population": p, "count": 1} for p in populations])
    stmt = stmt.on_conflict_do_update(
        index_elements=[FocusTally.fund_id, FocusTally.year, FocusTally.population],
        set_={"count": FocusTally.count + stmt.excluded.count})
    db.session.execute(stmt)


def tallies(current_years: tuple[int, int], previous_years: tuple[int, int],
            fund_id: int | None = None) -> list[dict]:
    """Per population: the counts in the current and the previous years, or None (shown
    as "not shown"). One query of the yearly tallies, added up by
    grants.disclosure.sum_of_parts: a fund's year under 5 hides every sum it is in, as
    the sum minus the other funds' or years' own figures would give it away."""
    def span(years):
        return sa.and_(FocusTally.year >= years[0], FocusTally.year <= years[1])

    q = (sa.select(FocusTally.population, FocusTally.year, FocusTally.count)
         .where(sa.or_(span(current_years), span(previous_years)), FocusTally.count > 0))
    if fund_id is not None:
        q = q.where(FocusTally.fund_id == fund_id)
    parts: dict[str, dict[str, list[int]]] = {}
    for population, year, count in db.session.execute(q):
        for key, (first, last) in (("current", current_years), ("previous", previous_years)):
            if first <= year <= last:
                parts.setdefault(population, {"current": [], "previous": []})[key].append(count)
    return [{"population": population,
             "current": sum_of_parts(p["current"], SMALL_CELL),
             "previous": sum_of_parts(p["previous"], SMALL_CELL)}
            for population, p in sorted(parts.items())]


def suppress(count: int | None) -> int | None:
    """0 stays 0, 1-4 become None ("fewer than 5"), 5 and more stay as they are."""
    return sum_of_parts([int(count or 0)], SMALL_CELL)
