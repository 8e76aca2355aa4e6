"""Key rotation: re-encrypt every encrypted field under the current data key.

To rotate, put a new key first in DATA_KEYS and keep the old ones after it
(`k2:new,k1:old`): the new key encrypts from then on and every listed key still decrypts.
`flask --app grants keys rotate` then walks each encrypted column in primary-key batches,
re-encrypting the values still under an older key and committing each batch, so it can be
stopped and run again (it skips what is already done). Once `keys status` shows nothing
under the old key, remove it from DATA_KEYS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from grants.extensions import db
from grants.models.types import EncryptedText, keyring
from grants.security.crypto import Keyring


@dataclass(frozen=True)
class EncryptedColumn:
    table: sa.Table
    column: sa.Column
    context: str  # the associated data: table.column

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every column of the model stored with field encryption, in a stable order."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.append(EncryptedColumn(table, column, column.type.context))
    return found


def _raw(col: EncryptedColumn) -> sa.ColumnElement:
    """The stored bytes, without the type's decryption."""
    return sa.type_coerce(col.column, sa.LargeBinary)


def _primary_key(col: EncryptedColumn) -> sa.Column:
    (pk,) = col.table.primary_key.columns
    return pk


def _batches(col: EncryptedColumn, size: int) -> Iterator[list[tuple[int, bytes]]]:
    pk, last = _primary_key(col), None
    while True:
        query = sa.select(pk, _raw(col)).where(col.column.is_not(None)).order_by(pk).limit(size)
        if last is not None:
            query = query.where(pk > last)
        rows = [(row[0], bytes(row[1])) for row in db.session.execute(query)]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def status() -> dict[str, Counter]:
    """How many stored values of each column are under each key id."""
    counts: dict[str, Counter] = {}
    for col in encrypted_columns():
        tally: Counter = Counter()
        for rows in _batches(col, 1000):
            tally.update(Keyring.key_id_of(blob) for _pk, blob in rows)
        if tally:
            counts[col.name] = tally
    return counts


def rotate(batch_size: int = 500, progress=None) -> dict[str, int]:
    """Re-encrypt under the current key whatever is under another; commit per batch.
    Returns how many values were re-encrypted per column."""
    ring = keyring()
    done: dict[str, int] = {}
    for col in encrypted_columns():
        pk = _primary_key(col)
        count = 0
        for rows in _batches(col, batch_size):
            for key, blob in rows:
                if Keyring.key_id_of(blob) == ring.current_id:
                    continue
                fresh = ring.encrypt(ring.decrypt(blob, col.context), col.context)
                db.session.execute(sa.update(col.table).where(pk == key)
                                   .values({col.column.name: sa.type_coerce(
                                       fresh, sa.LargeBinary)}))
                count += 1
            db.session.commit()  # resumable: what is committed stays done
        if count:
            done[col.name] = count
        if progress is not None:
            progress(col.name, count)
    return done
