"""the lead's cumulative judgement on a programme or budget round, challenged and signed

Revision ID: 0036_cumulative_judgements
Revises: 0035_golden_thread
Create Date: 2026-12-07 21:00:00

Three new tables beside what was there: the judgement (its texts, workflow state
and signature), its words on each group, and the assessment versions it covered.
A downgrade drops them, and with them every cumulative judgement; the assessments
and the trail are untouched.
"""
from alembic import op
import sqlalchemy as sa


revision = '0036_cumulative_judgements'
down_revision = '0035_golden_thread'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cumulative_judgement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme', sa.Text(), nullable=False),
        sa.Column('programme_key', sa.String(length=300), nullable=False),
        sa.Column('version_number', sa.Integer(), nullable=False),
        sa.Column('previous_id', sa.Integer(), nullable=True),
        sa.Column('conclusion', sa.Text(), nullable=False),
        sa.Column('mitigations', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('workflow_name', sa.String(length=40), nullable=False),
        sa.Column('workflow_version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('signer_name', sa.Text(), nullable=False),
        sa.Column('signed_role', sa.String(length=40), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('attestation', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('signed_content', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['previous_id'], ['cumulative_judgement.id'],
                                name='fk_cumulative_judgement_previous_id_cumulative_judgement'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name='fk_cumulative_judgement_created_by_id_user_account'),
        sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'],
                                name='fk_cumulative_judgement_signed_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_cumulative_judgement'),
        sa.UniqueConstraint('programme_key', 'version_number', name='uq_cumulative_judgement_programme_key'),
    )
    op.create_index('ix_cumulative_judgement_programme_key', 'cumulative_judgement', ['programme_key'])
    op.create_table(
        'cumulative_group_judgement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('judgement_id', sa.Integer(), nullable=False),
        sa.Column('characteristic_key', sa.String(length=80), nullable=False),
        sa.Column('group_name', sa.Text(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['judgement_id'], ['cumulative_judgement.id'],
                                name='fk_cumulative_group_judgement_judgement_id_cumulative_judgement',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_cumulative_group_judgement'),
        sa.UniqueConstraint('judgement_id', 'characteristic_key',
                            name='uq_cumulative_group_judgement_judgement_id'),
    )
    op.create_index('ix_cumulative_group_judgement_judgement_id', 'cumulative_group_judgement', ['judgement_id'])
    op.create_table(
        'cumulative_coverage',
        sa.Column('judgement_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['judgement_id'], ['cumulative_judgement.id'],
                                name='fk_cumulative_coverage_judgement_id_cumulative_judgement', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                                name='fk_cumulative_coverage_assessment_id_assessment'),
        sa.PrimaryKeyConstraint('judgement_id', 'assessment_id', name='pk_cumulative_coverage'),
    )
    op.create_index('ix_cumulative_coverage_assessment_id', 'cumulative_coverage', ['assessment_id'])


def downgrade():
    op.drop_index('ix_cumulative_coverage_assessment_id', table_name='cumulative_coverage')
    op.drop_table('cumulative_coverage')
    op.drop_index('ix_cumulative_group_judgement_judgement_id', table_name='cumulative_group_judgement')
    op.drop_table('cumulative_group_judgement')
    op.drop_index('ix_cumulative_judgement_programme_key', table_name='cumulative_judgement')
    op.drop_table('cumulative_judgement')
