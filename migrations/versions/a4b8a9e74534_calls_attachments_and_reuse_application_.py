"""Calls attachments and reuse, application documents, budget drafts, form rescues

Revision ID: a4b8a9e74534
Revises: 00c96e9be301
Create Date: 2026-11-28 17:40:25.030522

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4b8a9e74534'
down_revision = '00c96e9be301'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_rescues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_rescues_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_rescues')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_form_rescues_token_hash'))
    )
    with op.batch_alter_table('form_rescues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_rescues_user_id'), ['user_id'], unique=False)

    op.create_table('application_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.LargeBinary(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_application_documents_size_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_documents_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_application_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents'))
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_draft', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('reused_proposal', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('call_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaceable', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments_required', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('allow_reused_proposal', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('max_years', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index('ix_calls_status_closes_at', ['status', 'closes_at'], unique=False)



def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_status_closes_at')
        batch_op.drop_column('max_years')
        batch_op.drop_column('allow_reused_proposal')
        batch_op.drop_column('attachments_required')

    with op.batch_alter_table('call_questions', schema=None) as batch_op:
        batch_op.drop_column('replaceable')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('reused_proposal')
        batch_op.drop_column('budget_draft')

    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_application_id'))

    op.drop_table('application_documents')
    with op.batch_alter_table('form_rescues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_rescues_user_id'))

    op.drop_table('form_rescues')
