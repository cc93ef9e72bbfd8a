"""action updates: progress on a signed version's actions, recorded beside the frozen plan, append-only

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 18:30:00

The action plan a decision-maker signed is what was promised and never changes;
its progress (status, a note, evidence of completion, a date) is a new table,
outside the signed content, so no content hash moves. Nothing existing is
rewritten: a downgrade drops the progress recorded (the audit trail keeps each
update's facts).
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'action_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('dated', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['action.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_update_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_update_assessment_id'), ['assessment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_update_assessment_id'))
        batch_op.drop_index(batch_op.f('ix_action_update_action_id'))
    op.drop_table('action_update')
