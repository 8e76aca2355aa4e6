"""Enums that people read carry their own wording (house style 14).

A labelled enum declares one table of lazy-translated labels, keyed by value, as
`_labels = enum.nonmember({...})`; `member.label` reads it, in the reader's language when
it is shown. Where a value is worded differently in another place (what the group reads of
a payment, a shorter choice on a form), the enum declares that table beside the first, its
name ending in `_labels`, and a property that reads it. Templates and forms read these
instead of keeping a dict of their own, so a new value is worded in one place and
tests/test_content_languages.py finds every table here.
"""

from __future__ import annotations

import enum


class Labelled(enum.StrEnum):
    """A stored enum shown to people: `label` is its wording."""

    @property
    def label(self):
        return self._labels[self.value]

    def worded(self, table: str):
        """The wording of this value in the named other table, or its `label` where that
        table words it the same."""
        return getattr(type(self), table).get(self.value) or self.label

    @classmethod
    def label_of(cls, value) -> str:
        """The label of a member or of its value; a value the enum lacks is shown as itself."""
        member = cls._value2member_map_.get(getattr(value, "value", value))
        return str(member.label) if member is not None else value

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        """(value, label) of every member in order: the choices of a form's field."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_tables(cls) -> dict[str, dict]:
        """Every wording table of the enum, by name (for the translation tests)."""
        return {name: table for name, table in vars(cls).items()
                if name.endswith("_labels") and isinstance(table, dict)}
