"""A payment to a sub-grantee records the part an intermediary advanced from its own funds

Revision ID: 5e1d7a0c3b21
Revises: 8758f1b56bd1
Create Date: 2026-12-05 08:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5e1d7a0c3b21'
down_revision = '8758f1b56bd1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sub_grant_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('advance_minor', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_sub_grant_payments_advance_within_amount'), 'advance_minor >= 0 AND advance_minor <= amount_minor')


def downgrade():
    with op.batch_alter_table('sub_grant_payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sub_grant_payments_advance_within_amount'), type_='check')
        batch_op.drop_column('advance_minor')
