"""Column types shared by every model: UTC timestamps, encrypted text, enums by value."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from grants.security.crypto import Keyring


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


_OPAQUE = frozenset({
    operators.eq, operators.ne, operators.lt, operators.le, operators.gt, operators.ge,
    operators.in_op, operators.not_in_op, operators.like_op, operators.ilike_op,
    operators.not_like_op, operators.not_ilike_op, operators.contains_op,
    operators.startswith_op, operators.endswith_op, operators.between_op,
    operators.asc_op, operators.desc_op,
})


def keyring() -> Keyring:
    return current_app.extensions["grants.keyring"]


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with AES-GCM; `context` names table.column (associated data).

    Each value has its own nonce, so SQL can neither compare, search nor sort such a column:
    an `==`, `in_` or `like` on it raises at once (rather than silently matching nothing).
    Filter or sort the decrypted values in Python; `is_(None)` still works."""

    impl = sa.LargeBinary
    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator):  # noqa: N801 (SQLAlchemy's name)
        def operate(self, op, *other, **kwargs):
            if op in _OPAQUE and not all(o is None for o in other):
                raise TypeError(f"{self.expr} is encrypted: compare it in Python, not in SQL")
            return super().operate(op, *other, **kwargs)

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(self._dump(value), self.context)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self._load(keyring().decrypt(bytes(value), self.context))

    def _dump(self, value) -> bytes:
        return str(value).encode()

    def _load(self, raw: bytes):
        return raw.decode()


class EncryptedBytes(EncryptedText):
    """Binary content (an uploaded file) encrypted at rest."""

    cache_ok = True  # its only state, the context string, is a fine cache key

    def _dump(self, value) -> bytes:
        return bytes(value)

    def _load(self, raw: bytes):
        return raw


class EncryptedJSON(EncryptedText):
    """A JSON value (list or dict) encrypted at rest."""

    cache_ok = True

    def _dump(self, value) -> bytes:
        return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()

    def _load(self, raw: bytes):
        return json.loads(raw)


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Enum:
    """Store an enum by its value in a VARCHAR(32) (no native type to migrate later)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


class members:
    """A named set of an enum's members, declared in the enum's own body:

        class ApplicationStatus(enum.StrEnum):
            DRAFT = "draft"
            ...
            EDITABLE = members(DRAFT, MORE_INFO_REQUESTED)

    `ApplicationStatus.EDITABLE` is then a frozenset of members, for `in` and for a query's
    `in_()`. A descriptor, so the enum does not take it for a member; in the class body the
    names still hold their plain values, which this turns into members when first asked.
    """

    def __init__(self, *values) -> None:
        self._values = values
        self._members: frozenset | None = None

    def __get__(self, _obj, enum_cls) -> frozenset:
        if self._members is None:
            self._members = frozenset(enum_cls(value) for value in self._values)
        return self._members
