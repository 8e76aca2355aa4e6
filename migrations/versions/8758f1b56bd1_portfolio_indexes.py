"""portfolio indexes: the awards approved in a period (with what the dashboard sums of them)
read from one index; the awards' budget lines summed per category from another; the rapid
requests sent in a period found without reading every application

Revision ID: 8758f1b56bd1
Revises: 1c90c7d5155f
Create Date: 2026-11-29 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8758f1b56bd1'
down_revision = '1c90c7d5155f'
branch_labels = None
depends_on = None

RAPID = sa.text("rapid_category IS NOT NULL")


def upgrade():
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index('ix_awards_portfolio', [
            'approved_at', 'status', 'fund_id', 'currency', 'amount_minor', 'organisation_id',
            'application_id', 'regrant_type', 'years', 'support_type'], unique=False)
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index('ix_budget_lines_award_amounts',
                              ['award_id', 'category', 'currency', 'amount_minor'], unique=False)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_rapid_submitted_at', ['submitted_at'],
                              unique=False, sqlite_where=RAPID, postgresql_where=RAPID)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_rapid_submitted_at')
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_lines_award_amounts')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index('ix_awards_portfolio')
