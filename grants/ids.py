"""Ids and page numbers read from a URL or a form, bounded by what the database holds.

Every id column is an INTEGER: PostgreSQL's stops at 2,147,483,647, SQLite's at 2**63 - 1,
and a larger number reaching a query raises in the driver (a 500). The portal reads every
id through this module, so it stops here instead, the same on both databases:

- in a path, the `int` converter (registered in place of Werkzeug's) does not match, so
  the route answers 404 as for any id that names nothing;
- in a query string, `request.args.get("call", type=parse_id)` gives None: the filter is
  ignored;
- in a form, a select of ids checks its choices before a view reads it; one the view
  checks itself reads it with `id_or_none` and says to choose from the list;
- a page number (`?page=`, also as Flask-SQLAlchemy reads it) past the range is page 1.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column


def parse_id(text) -> int:
    """The id `text` names, or ValueError if no id column can hold it (0 and below too)."""
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise ValueError("not an id")
    return number


def id_or_none(text) -> int | None:
    """The id `text` names, or None when it names none (empty, not a number, out of range)."""
    try:
        return parse_id(text)
    except (TypeError, ValueError):
        return None


def parse_page(text) -> int:
    """A page number whose rows the database can count up to, or ValueError."""
    return parse_id(text)  # pages of 100 rows at most: the offset stays within 2**63


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: a whole number up to MAX_ID, else no match (404).

    A route may ask for a smaller maximum (`<int(max=12):month>`), never a larger one.
    """

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        bound = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)
