"""Small-cell suppression that the published figures cannot undo.

A table of counts and amounts hides every cell of fewer than `min_cell` groups (primary
suppression). That alone leaks: a shown total minus the shown rows gives the hidden rows'
sum. So the figures are described as cells tied by relations ("this total is the sum of
those parts": rows, columns, totals, the periods that add up to a whole), and more cells
are hidden (secondary suppression) until, from what stays shown:

- no hidden cell can be solved: in the linear system of the relations, restricted to the
  hidden cells once the shown ones are known, no hidden cell's unit vector lies in the row
  space (exact rational elimination, so no rounding decides it);
- no relation gives away the sum of its hidden parts when that sum covers fewer than
  `min_cell` groups (the total shown, one or more parts hidden).

Which cells can be solved depends only on which are hidden, not on their values, so one
pattern protects every measure of a cell (groups, amounts, paid). Cells of no group are
never hidden: a structural zero tells nothing. Imports no feature.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

Key = Hashable


@dataclass(frozen=True)
class Relation:
    """`total` is the sum of `parts`."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


def protect(counts: Mapping[Key, int], relations: Iterable[Relation], min_cell: int,
            weights: Mapping[Key, int] | None = None) -> set[Key]:
    """The cells to hide: those of 1 to `min_cell - 1` groups, then the fewest and smallest
    others (by groups, then `weights`) until nothing hidden can be worked out."""
    relations = list(relations)
    weights = weights or {}
    hidden = {k for k, n in counts.items() if 0 < n < min_cell}
    while True:
        exposed = leaks(hidden, relations, counts, min_cell)
        if not exposed:
            return hidden
        hidden.add(_complement(exposed, hidden, relations, counts, weights))


def leaks(hidden: set[Key], relations: list[Relation], counts: Mapping[Key, int],
          min_cell: int) -> list[Relation]:
    """The relations through which something hidden can be worked out, in a stable order."""
    solved = solvable(hidden, relations)
    out = []
    for r in relations:
        parts = [p for p in r.parts if p in hidden]
        if any(c in solved for c in r.cells) or (
                r.total not in hidden and 0 < sum(counts[p] for p in parts) < min_cell):
            out.append(r)
    return out


def _complement(exposed: list[Relation], hidden: set[Key], relations: list[Relation],
                counts: Mapping[Key, int], weights: Mapping[Key, int]) -> Key:
    """A shown cell of some groups to hide next: the smallest part of a leaking relation;
    its total when none is left."""
    for r in exposed:
        shown = [p for p in r.parts if p not in hidden and counts[p] > 0]
        if shown:
            return min(shown, key=lambda p: (counts[p], weights.get(p, 0), str(p)))
        if r.total not in hidden and counts[r.total] > 0:
            return r.total
    # Every cell of every leaking relation is hidden: hide a neighbouring total.
    for r in relations:
        if any(c in hidden for c in r.cells):
            for c in r.cells:
                if c not in hidden and counts[c] > 0:
                    return c
    raise AssertionError("nothing left to hide")  # pragma: no cover (cannot happen)


def solvable(hidden: set[Key], relations: list[Relation]) -> set[Key]:
    """The hidden cells whose value follows from the shown ones: a hidden cell is solved
    when a row of the reduced row echelon form of the relations, restricted to the hidden
    cells, is its unit vector."""
    order = sorted(hidden, key=str)
    index = {k: i for i, k in enumerate(order)}
    rows = []
    for r in relations:
        row = {index[r.total]: Fraction(1)} if r.total in index else {}
        for p in r.parts:
            if p in index:
                row[index[p]] = row.get(index[p], Fraction(0)) - 1
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    return {order[c] for c in _unit_rows(rows)}


def _unit_rows(rows: list[dict[int, Fraction]]) -> set[int]:
    """Gauss-Jordan elimination on sparse rational rows: the columns with a unit row."""
    pivots: dict[int, dict[int, Fraction]] = {}
    for row in rows:
        row = dict(row)
        for col, prow in pivots.items():
            if col in row:
                _axpy(row, -row[col], prow)
        if not row:
            continue
        col = min(row)
        scale = row[col]
        row = {c: v / scale for c, v in row.items()}
        for other in pivots.values():
            if col in other:
                _axpy(other, -other[col], row)
        pivots[col] = row
    return {col for col, row in pivots.items() if len(row) == 1}


def _axpy(target: dict[int, Fraction], factor: Fraction, source: dict[int, Fraction]) -> None:
    for c, v in source.items():
        value = target.get(c, Fraction(0)) + factor * v
        if value:
            target[c] = value
        else:
            target.pop(c, None)


def sum_of_parts(parts: Iterable[int], min_cell: int) -> int | None:
    """The sum of parts that are each published on their own too (one fund's year, one
    quarter), or None. A part of 1 to `min_cell - 1` hides every sum it is in: the sum
    minus the other parts, each shown on its own page, would give it away. So would a
    sum of a small part and a hidden one; a sum of hidden-free parts discloses nothing
    that the parts do not."""
    parts = list(parts)
    total = sum(parts)
    if any(0 < p < min_cell for p in parts) or 0 < total < min_cell:
        return None
    return total
