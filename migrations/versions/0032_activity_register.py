"""activity register: the council's activities and the EqIAs that assess them

Revision ID: 0032_activity_register
Revises: 0031_names_any_case
Create Date: 2026-12-07 11:00:00

Two new tables, nothing existing changes: a downgrade drops them, and with
them the register an equality lead kept (export it as CSV first).
"""
from alembic import op
import sqlalchemy as sa



revision = '0032_activity_register'
down_revision = '0031_names_any_case'
branch_labels = None
depends_on = None

LIVE = sa.text("retired_at IS NULL")


def upgrade():
    op.create_table(
        'activity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('directorate_id', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('relevance', sa.String(length=20), nullable=False),
        sa.Column('needs_assessment', sa.Boolean(), nullable=False),
        sa.Column('assess_by', sa.Date(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['directorate_id'], ['directorate.id'], name='fk_activity_directorate_id_directorate'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name='fk_activity_created_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_activity'),
    )
    op.create_index('ix_activity_directorate_id', 'activity', ['directorate_id'])
    op.create_index('uq_activity_live_name', 'activity', ['directorate_id', sa.text('lower(name)')], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_table(
        'activity_assessment',
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.Column('linked_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name='fk_activity_assessment_activity_id_activity'),
        sa.ForeignKeyConstraint(['linked_by_id'], ['user_account.id'],
                                name='fk_activity_assessment_linked_by_id_user_account'),
        sa.PrimaryKeyConstraint('reference', name='pk_activity_assessment'),
    )
    op.create_index('ix_activity_assessment_activity_id', 'activity_assessment', ['activity_id'])


def downgrade():
    op.drop_index('ix_activity_assessment_activity_id', table_name='activity_assessment')
    op.drop_table('activity_assessment')
    op.drop_index('uq_activity_live_name', table_name='activity')
    op.drop_index('ix_activity_directorate_id', table_name='activity')
    op.drop_table('activity')
