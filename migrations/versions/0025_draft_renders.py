"""draft renders: where each assessment's background PDF render stands, seen by every process

Revision ID: 0025_draft_renders
Revises: 0020
Create Date: 2026-12-06 20:30:00

The draft PDF rendered after a browser save moved from a thread of the web
process to the task queue; whether a render is queued or running is now a row
per assessment, so a download on one process finds a render another queued. A
new table: nothing existing changes, and a downgrade only forgets renders under
way (a download then renders the draft itself, as without the background).
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_draft_renders'
down_revision = '0024_action_owners'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'draft_render',
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('last_event', sa.Integer(), nullable=True),
        sa.Column('renders', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('assessment_id'),
    )
    with op.batch_alter_table('draft_render', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_render_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('draft_render', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_render_state'))
    op.drop_table('draft_render')
