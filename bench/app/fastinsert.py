"""Bulk inserts for the bench data, several times faster than `conn.execute(insert(), rows)`.

Each value still goes through its column type's own bind processor (so EncryptedText
encrypts with the keyring and associated data exactly as the portal does, UTCDateTime stores
naive UTC, enums their values); only the per-row bookkeeping of a Core executemany is
skipped: rows go to the driver as tuples, by `executemany` on SQLite and by COPY on
PostgreSQL.
"""

from __future__ import annotations

import json

import sqlalchemy as sa


class Writer:
    """Writes rows (dicts with the same keys) into one table on `conn`'s transaction."""

    def __init__(self, conn: sa.Connection, table: sa.Table, keys: list[str]):
        # Columns left out get their Python-side default, as a Core insert would give them.
        self.defaults = {c.name: c.default for c in table.columns
                         if c.name not in keys and c.default is not None}
        keys = [*keys, *self.defaults]
        self.conn, self.table, self.keys = conn, table, keys
        dialect = conn.dialect
        self.postgres = dialect.name == "postgresql"
        self.processors = [self._processor(table.c[k], dialect) for k in keys]
        quote = dialect.identifier_preparer.quote
        self.columns = ", ".join(quote(k) for k in keys)
        self.name = quote(table.name)

    def _processor(self, column: sa.Column, dialect):
        if self.postgres and isinstance(column.type, sa.JSON):
            return lambda v: None if v is None else json.dumps(v)  # COPY takes json as text
        # The dialect's own implementation, as a statement would use: the generic type's
        # processor left datetimes to the sqlite3 module, which drops ".000000", so SQLite
        # compared a whole second with the portal's own timestamps as a shorter string.
        return column.type.dialect_impl(dialect).bind_processor(dialect)

    def _tuples(self, rows: list[dict]) -> list[tuple]:
        for name, default in self.defaults.items():
            for row in rows:
                row[name] = default.arg(None) if default.is_callable else default.arg
        pairs = list(zip(self.keys, self.processors, strict=True))
        return [tuple(p(row[k]) if p is not None else row[k] for k, p in pairs) for row in rows]

    def write(self, rows: list[dict]) -> None:
        values = self._tuples(rows)
        raw = self.conn.connection.driver_connection
        if self.postgres:
            with raw.cursor() as cur, cur.copy(
                    f"COPY {self.name} ({self.columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in self.keys)
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO {self.name} ({self.columns}) VALUES ({marks})",  # noqa: S608  # nosec B608
                            values)
        finally:
            cur.close()
