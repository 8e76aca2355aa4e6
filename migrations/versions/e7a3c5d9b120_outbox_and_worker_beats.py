"""The outbox (work with an effect outside the database, delivered by the job worker) and
the workers' heartbeats; when an officer was told an emergency follow-up is due

Revision ID: e7a3c5d9b120
Revises: d4f2b8e61a37
Create Date: 2026-12-06 05:10:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'e7a3c5d9b120'
down_revision = 'd4f2b8e61a37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
        sa.UniqueConstraint('key', name=op.f('uq_outbox_key')),
    )
    op.create_index('ix_outbox_status_due', 'outbox', ['status', 'due_at'], unique=False)
    op.create_table(
        'worker_beats',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_beats')),
    )
    with op.batch_alter_table('report_requirements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('officer_reminded_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('report_requirements', schema=None) as batch_op:
        batch_op.drop_column('officer_reminded_at')
    op.drop_table('worker_beats')
    op.drop_index('ix_outbox_status_due', table_name='outbox')
    op.drop_table('outbox')
