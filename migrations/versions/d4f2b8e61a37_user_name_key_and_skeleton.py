"""user names in any script: each account gets the case-folded key log-in compares and the
Unicode TS #39 skeleton that look-alike names share, both unique; existing accounts get
theirs computed here (an existing name that looks like an older account's keeps no
skeleton rather than being renamed: both still log in)

Revision ID: d4f2b8e61a37
Revises: c3e1a7d52f90
Create Date: 2026-12-05 13:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from grants import usernames


# revision identifiers, used by Alembic.
revision = 'd4f2b8e61a37'
down_revision = 'c3e1a7d52f90'
branch_labels = None
depends_on = None

BATCH = 1000


def _fill():
    conn = op.get_bind()
    select = sa.text('SELECT id, username FROM users WHERE id > :last ORDER BY id '
                     f'LIMIT {BATCH}')
    update = sa.text('UPDATE users SET username_key = :key, username_skeleton = :skeleton '
                     'WHERE id = :id')
    seen, last = set(), 0
    while rows := conn.execute(select, {'last': last}).all():
        values = []
        for row_id, name in rows:
            skeleton = usernames.skeleton(name)
            values.append({'id': row_id, 'key': usernames.key(name),
                           'skeleton': None if skeleton in seen else skeleton})
            seen.add(skeleton)
        conn.execute(update, values)
        last = rows[-1][0]


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('username_skeleton', sa.Text(), nullable=True))
    _fill()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_username_key'),
                                          ['username_key'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_username_skeleton'),
                                          ['username_skeleton'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_username_skeleton'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_users_username_key'), type_='unique')
        batch_op.drop_column('username_skeleton')
        batch_op.drop_column('username_key')
