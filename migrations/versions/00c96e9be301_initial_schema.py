"""Initial schema: accounts, organisations, funds, calls, applications, reviews, awards,
tranches, disbursements, reporting, sub-grants, messages and the audit log.

Revision ID: 00c96e9be301
Revises: 
Create Date: 2026-11-28 17:25:27.337845

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00c96e9be301'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('envelope_minor', sa.BigInteger(), nullable=False),
    sa.Column('is_protection', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('accepts_donations', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rapid_response_target_hours', sa.Integer(), server_default='72', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('envelope_minor >= 0', name=op.f('ck_funds_envelope_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds')),
    sa.UniqueConstraint('name', name=op.f('uq_funds_name'))
    )
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('registration_number', sa.LargeBinary(), nullable=True),
    sa.Column('contact_details', sa.LargeBinary(), nullable=True),
    sa.Column('legal_name', sa.LargeBinary(), nullable=True),
    sa.Column('is_verified', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('serves_countries', sa.JSON(), nullable=False),
    sa.Column('accepts_routed_applications', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('directory_opt_in', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.LargeBinary(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('preferred_language', sa.String(length=8), nullable=False),
    sa.Column('totp_secret', sa.LargeBinary(), nullable=True),
    sa.Column('totp_enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('totp_last_step', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('recovery_code_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)

    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('call_type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=True),
    sa.Column('closes_at', sa.DateTime(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_min_minor', sa.BigInteger(), nullable=False),
    sa.Column('amount_max_minor', sa.BigInteger(), nullable=False),
    sa.Column('allow_registered', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('allow_unregistered', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('allow_individuals', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('allow_intermediary_route', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('min_protection_share_bp', sa.Integer(), server_default='0', nullable=False),
    sa.Column('min_psychosocial_share_bp', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_max_minor >= amount_min_minor', name=op.f('ck_calls_amount_range')),
    sa.CheckConstraint('amount_min_minor >= 0', name=op.f('ck_calls_amount_min_nonnegative')),
    sa.CheckConstraint('min_protection_share_bp BETWEEN 0 AND 10000', name=op.f('ck_calls_protection_share_range')),
    sa.CheckConstraint('min_psychosocial_share_bp BETWEEN 0 AND 10000', name=op.f('ck_calls_psychosocial_share_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calls_created_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_calls_fund_id_funds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_fund_id'), ['fund_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_memberships_user_id_organisation_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('intermediary_id', sa.Integer(), nullable=True),
    sa.Column('code_name', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_requested_minor', sa.BigInteger(), nullable=False),
    sa.Column('risk_level', sa.String(length=32), nullable=False),
    sa.Column('threat_description', sa.LargeBinary(), nullable=True),
    sa.Column('safe_contact', sa.LargeBinary(), nullable=True),
    sa.Column('focus_populations', sa.LargeBinary(), nullable=True),
    sa.Column('current_step', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('amount_requested_minor >= 0', name=op.f('ck_applications_amount_nonnegative')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_applications_call_id_calls')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_applications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['intermediary_id'], ['organisations.id'], name=op.f('fk_applications_intermediary_id_organisations')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_applications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('code_name', name=op.f('uq_applications_code_name'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_intermediary_id'), ['intermediary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_applications_status_submitted_at', ['status', 'submitted_at'], unique=False)

    op.create_table('call_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('bank_key', sa.String(length=32), nullable=False),
    sa.Column('prompts', sa.JSON(), nullable=False),
    sa.Column('word_limit', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint('word_limit > 0', name=op.f('ck_call_questions_word_limit_positive')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_questions_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_questions')),
    sa.UniqueConstraint('call_id', 'position', name=op.f('uq_call_questions_call_id_position'))
    )
    op.create_table('call_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_texts_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_texts')),
    sa.UniqueConstraint('call_id', 'language', name=op.f('uq_call_texts_call_id_language'))
    )
    op.create_table('application_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_answers_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['call_questions.id'], name=op.f('fk_application_answers_question_id_call_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_answers')),
    sa.UniqueConstraint('application_id', 'question_id', name=op.f('uq_application_answers_application_id_question_id'))
    )
    op.create_table('application_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_application_status_changes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_status_changes_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_status_changes'))
    )
    with op.batch_alter_table('application_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_status_changes_application_id'), ['application_id'], unique=False)

    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('years', sa.Integer(), server_default='1', nullable=False),
    sa.Column('support_type', sa.String(length=32), nullable=False),
    sa.Column('regrant_type', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('second_approver_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_awards_amount_positive')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_awards_dates_ordered')),
    sa.CheckConstraint('years >= 1', name=op.f('ck_awards_years_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_awards_application_id_applications')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_awards_decided_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_awards_fund_id_funds')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_awards_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['second_approver_id'], ['users.id'], name=op.f('fk_awards_second_approver_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards')),
    sa.UniqueConstraint('application_id', name=op.f('uq_awards_application_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_awards_reference'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('conflict_declared', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('conflict_note', sa.LargeBinary(), nullable=True),
    sa.Column('criteria_scores', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('recommendation', sa.String(length=32), nullable=True),
    sa.Column('comment', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 5', name=op.f('ck_reviews_score_range')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_reviews_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('application_id', 'reviewer_id', name=op.f('uq_reviews_application_id_reviewer_id'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_application_id'), ['application_id'], unique=False)

    op.create_table('budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), server_default='1', nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.CheckConstraint('(application_id IS NULL) <> (award_id IS NULL)', name=op.f('ck_budget_lines_one_owner')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_budget_lines_amount_nonnegative')),
    sa.CheckConstraint('year >= 1', name=op.f('ck_budget_lines_year_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_budget_lines_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_budget_lines_award_id_awards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines'))
    )
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_lines_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_lines_award_id'), ['award_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('award_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('application_id IS NOT NULL OR award_id IS NOT NULL', name=op.f('ck_messages_has_thread')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_messages_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_messages_award_id_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_award_id'), ['award_id'], unique=False)

    op.create_table('report_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_report_requirements_award_id_awards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_requirements'))
    )
    with op.batch_alter_table('report_requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_requirements_award_id'), ['award_id'], unique=False)

    op.create_table('sub_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('intermediary_id', sa.Integer(), nullable=False),
    sa.Column('recipient_code', sa.String(length=32), nullable=False),
    sa.Column('recipient_organisation_id', sa.Integer(), nullable=True),
    sa.Column('recipient_details', sa.LargeBinary(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_sub_grants_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_sub_grants_award_id_awards')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sub_grants_created_by_id_users')),
    sa.ForeignKeyConstraint(['intermediary_id'], ['organisations.id'], name=op.f('fk_sub_grants_intermediary_id_organisations')),
    sa.ForeignKeyConstraint(['recipient_organisation_id'], ['organisations.id'], name=op.f('fk_sub_grants_recipient_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sub_grants')),
    sa.UniqueConstraint('award_id', 'recipient_code', name=op.f('uq_sub_grants_award_id_recipient_code'))
    )
    with op.batch_alter_table('sub_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sub_grants_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sub_grants_intermediary_id'), ['intermediary_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('spending', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requirement_id'], ['report_requirements.id'], name=op.f('fk_reports_requirement_id_report_requirements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_reports_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_reports_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('tranches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('gating_requirement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_tranches_amount_positive')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_tranches_award_id_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['gating_requirement_id'], ['report_requirements.id'], name=op.f('fk_tranches_gating_requirement_id_report_requirements'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranches')),
    sa.UniqueConstraint('award_id', 'sequence', name=op.f('uq_tranches_award_id_sequence'))
    )
    op.create_table('disbursements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('route', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('external_reference', sa.String(length=128), nullable=True),
    sa.Column('bank_details', sa.LargeBinary(), nullable=True),
    sa.Column('via_organisation_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('second_approver_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_disbursements_amount_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_disbursements_approved_by_id_users')),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['users.id'], name=op.f('fk_disbursements_scheduled_by_id_users')),
    sa.ForeignKeyConstraint(['second_approver_id'], ['users.id'], name=op.f('fk_disbursements_second_approver_id_users')),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranches.id'], name=op.f('fk_disbursements_tranche_id_tranches')),
    sa.ForeignKeyConstraint(['via_organisation_id'], ['organisations.id'], name=op.f('fk_disbursements_via_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursements')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_disbursements_idempotency_key'))
    )
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disbursements_tranche_id'), ['tranche_id'], unique=False)



def downgrade():
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disbursements_tranche_id'))

    op.drop_table('disbursements')
    op.drop_table('tranches')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_requirement_id'))

    op.drop_table('reports')
    with op.batch_alter_table('sub_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sub_grants_intermediary_id'))
        batch_op.drop_index(batch_op.f('ix_sub_grants_award_id'))

    op.drop_table('sub_grants')
    with op.batch_alter_table('report_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_requirements_award_id'))

    op.drop_table('report_requirements')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_award_id'))
        batch_op.drop_index(batch_op.f('ix_messages_application_id'))

    op.drop_table('messages')
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_lines_award_id'))
        batch_op.drop_index(batch_op.f('ix_budget_lines_application_id'))

    op.drop_table('budget_lines')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_application_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awards_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_awards_fund_id'))

    op.drop_table('awards')
    with op.batch_alter_table('application_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_status_changes_application_id'))

    op.drop_table('application_status_changes')
    op.drop_table('application_answers')
    op.drop_table('call_texts')
    op.drop_table('call_questions')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_status_submitted_at')
        batch_op.drop_index(batch_op.f('ix_applications_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_applications_intermediary_id'))
        batch_op.drop_index(batch_op.f('ix_applications_call_id'))

    op.drop_table('applications')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_organisation_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_fund_id'))

    op.drop_table('calls')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('users')
    op.drop_table('organisations')
    op.drop_table('funds')
