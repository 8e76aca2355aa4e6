"""Lists of organisations in name order. A group's name is encrypted at rest (it identifies
the group), so SQL cannot sort by it: the matching rows' ids and names are read, sorted in
Python, and only the page's organisations are loaded. Tested against the order a plain
`sorted` gives in tests/test_at_rest.py."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from grants.extensions import db
from grants.models import Organisation
from grants.models.organisations import name_key


def by_name(row) -> tuple:
    return (name_key(row.name), row.id)


def by_country_then_name(row) -> tuple:
    return (row.country, name_key(row.name), row.id)


class NamePage(Pagination):
    """One page of `select` (a select of Organisation) in the order `key` gives its rows
    (each with id, name and country)."""

    def _query_items(self) -> list[Organisation]:
        select: sa.Select = self._query_args["select"]
        key: Callable = self._query_args["key"]
        rows = db.session.execute(select.with_only_columns(
            Organisation.id, Organisation.name, Organisation.country)).all()
        rows.sort(key=key)
        self._total = len(rows)
        ids = [r.id for r in rows[self._query_offset:self._query_offset + self.per_page]]
        if not ids:
            return []
        loaded = {o.id: o for o in db.session.scalars(select.where(Organisation.id.in_(ids)))}
        return [loaded[i] for i in ids]

    def _query_count(self) -> int:
        return self._total  # counted by _query_items, which Pagination calls first


def name_page(select: sa.Select, page: int | None, per_page: int,
              key: Callable = by_name) -> NamePage:
    """Page `page` (from 1; None or out of range gives the first or an empty page) of
    `select` in name order."""
    return NamePage(page=page, per_page=per_page, max_per_page=None, error_out=False,
                    select=select, key=key)
