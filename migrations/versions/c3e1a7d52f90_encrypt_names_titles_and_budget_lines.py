"""encrypt what groups and defenders type that was still in clear: organisations' names,
applications' titles, budget lines' descriptions, sub-grants' purposes and security keys'
names become EncryptedText (AES-GCM with the table.column as associated data, as the
portal writes them); existing rows are encrypted in place, in batches

Revision ID: c3e1a7d52f90
Revises: 5e1c0a7d2b94
Create Date: 2026-12-05 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'c3e1a7d52f90'
down_revision = '5e1c0a7d2b94'
branch_labels = None
depends_on = None

# (table, column, its length while in clear)
COLUMNS = [
    ('organisations', 'name', 200),
    ('applications', 'title', 200),
    ('budget_lines', 'description', 300),
    ('sub_grants', 'purpose', 300),
    ('webauthn_credentials', 'name', 64),
]
BATCH = 1000


def _retype(table, column, old, new, pg_using):
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=False,
                        postgresql_using=pg_using.format(column))
    else:  # SQLite rebuilds the table, copying the values with CAST
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, type_=new, existing_type=old, existing_nullable=False)


def _rewrite(table, column, change):
    """Replace every value of table.column by change(bytes) -> bytes, in batches by id."""
    conn = op.get_bind()
    select = sa.text(f'SELECT id, {column} FROM {table} WHERE id > :last '  # noqa: S608  # nosec B608
                     f'ORDER BY id LIMIT {BATCH}')
    update = sa.text(f'UPDATE {table} SET {column} = :value WHERE id = :id')  # noqa: S608  # nosec B608
    last = 0
    while rows := conn.execute(select, {'last': last}).all():
        values = []
        for row_id, value in rows:
            raw = value.encode() if isinstance(value, str) else bytes(value)
            values.append({'id': row_id, 'value': change(raw)})
        conn.execute(update.bindparams(sa.bindparam('value', type_=sa.LargeBinary)), values)
        last = rows[-1][0]


def upgrade():
    keyring = current_app.extensions['grants.keyring']
    for table, column, length in COLUMNS:
        _retype(table, column, sa.String(length=length), sa.LargeBinary(),
                "convert_to({0}, 'UTF8')")
        context = f'{table}.{column}'
        _rewrite(table, column, lambda raw, c=context: keyring.encrypt(raw, c))


def downgrade():
    keyring = current_app.extensions['grants.keyring']
    for table, column, length in reversed(COLUMNS):
        context = f'{table}.{column}'
        _rewrite(table, column, lambda raw, c=context: keyring.decrypt(raw, c))
        _retype(table, column, sa.LargeBinary(), sa.String(length=length),
                "convert_from({0}, 'UTF8')")
