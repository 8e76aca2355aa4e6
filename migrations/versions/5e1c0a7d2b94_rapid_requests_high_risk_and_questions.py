"""rapid requests high risk and questions: every emergency request is marked at high risk
(the one-page form never asked, so they were stored as low), and a request remembers when
an officer asked the defender a question that still waits for an answer

Revision ID: 5e1c0a7d2b94
Revises: 5e1d7a0c3b21
Create Date: 2026-12-05 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c0a7d2b94'
down_revision = '5e1d7a0c3b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_answer_since', sa.DateTime(), nullable=True))
    mark_rapid_requests_high()


def mark_rapid_requests_high():
    # An emergency request is high risk unless the defender says otherwise; the requests
    # sent before the form asked never said, so they are high.
    applications = sa.table('applications', sa.column('risk_level', sa.String),
                            sa.column('rapid_category', sa.String))
    op.execute(applications.update()
               .where(applications.c.rapid_category.is_not(None))
               .values(risk_level='high'))


def downgrade():
    # The risk levels stay high: lowering them again would hide nothing and expose much.
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('awaiting_answer_since')
