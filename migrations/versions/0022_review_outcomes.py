"""review outcomes: at review, the impact seen on each group against the one predicted, and what happens next

Revision ID: 0022_review_outcomes
Revises: 0020
Create Date: 2026-12-06 20:15:00

A review version says, for each group the version it follows assessed, what
actually happened (review_outcome rows) and, on the assessment, what happens
next and why. Nothing existing is rewritten: a version with none of it keeps
the content record (and so the signatures) it had. A downgrade drops what
reviews recorded.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_review_outcomes'
down_revision = "0021_periodic_runs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'review_outcome',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('characteristic_key', sa.String(length=60), nullable=False),
        sa.Column('characteristic_label', sa.Text(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('actual_impact', sa.String(length=40), nullable=True),
        sa.Column('evidence_seen', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                                name=op.f('fk_review_outcome_assessment_id_assessment'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_outcome')),
        sa.UniqueConstraint('assessment_id', 'characteristic_key', name=op.f('uq_review_outcome_assessment_id')),
    )
    with op.batch_alter_table('review_outcome', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_outcome_assessment_id'), ['assessment_id'], unique=False)
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_next_step', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('review_next_step_reason', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('review_next_step_reason')
        batch_op.drop_column('review_next_step')
    with op.batch_alter_table('review_outcome', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_outcome_assessment_id'))
    op.drop_table('review_outcome')
