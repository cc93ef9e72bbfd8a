"""the Equality Framework self-assessment: ratings of a framework's criteria, with evidence

Revision ID: 0034_framework_assessments
Revises: 0033_action_plans
Create Date: 2026-12-07 17:00:00

Three new tables; nothing that was there changes. A downgrade drops them, and with
them every self-assessment (download each as CSV first).
"""
from alembic import op
import sqlalchemy as sa


revision = '0034_framework_assessments'
down_revision = '0033_action_plans'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'framework_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('framework', sa.String(length=40), nullable=False),
        sa.Column('framework_version', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=40), nullable=False),
        sa.Column('previous_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['previous_id'], ['framework_assessment.id'],
                                name='fk_framework_assessment_previous_id_framework_assessment', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name='fk_framework_assessment_created_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_framework_assessment'),
        sa.UniqueConstraint('framework', 'period', name='uq_framework_assessment_framework'),
    )
    op.create_index('ix_framework_assessment_previous_id', 'framework_assessment', ['previous_id'])
    op.create_table(
        'framework_rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('criterion', sa.String(length=40), nullable=False),
        sa.Column('rating', sa.String(length=20), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('rated_by_id', sa.Integer(), nullable=False),
        sa.Column('rated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['framework_assessment.id'],
                                name='fk_framework_rating_assessment_id_framework_assessment', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rated_by_id'], ['user_account.id'],
                                name='fk_framework_rating_rated_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_framework_rating'),
        sa.UniqueConstraint('assessment_id', 'criterion', name='uq_framework_rating_assessment_id'),
    )
    op.create_index('ix_framework_rating_assessment_id', 'framework_rating', ['assessment_id'])
    op.create_table(
        'framework_evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rating_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['rating_id'], ['framework_rating.id'],
                                name='fk_framework_evidence_rating_id_framework_rating', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_framework_evidence'),
    )
    op.create_index('ix_framework_evidence_rating_id', 'framework_evidence', ['rating_id'])


def downgrade():
    op.drop_index('ix_framework_evidence_rating_id', table_name='framework_evidence')
    op.drop_table('framework_evidence')
    op.drop_index('ix_framework_rating_assessment_id', table_name='framework_rating')
    op.drop_table('framework_rating')
    op.drop_index('ix_framework_assessment_previous_id', table_name='framework_assessment')
    op.drop_table('framework_assessment')
