"""the golden thread: service plan objectives and indicators, and the EqIA actions and plan rows tagged to them

Revision ID: 0035_golden_thread
Revises: 0034_framework_assessments
Create Date: 2026-12-07 17:30:00

Two new tables beside what was there: a downgrade drops them, and with them every
objective and tag (download the council-wide CSV first); the actions, plan rows and
trail are untouched. Depends on nothing after 0033.
"""
from alembic import op
import sqlalchemy as sa


revision = '0035_golden_thread'
down_revision = '0034_framework_assessments'
branch_labels = None
depends_on = None

LIVE = sa.text("retired_at IS NULL")


def upgrade():
    op.create_table(
        'service_objective',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_area_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['service_area_id'], ['service_area.id'],
                                name='fk_service_objective_service_area_id_service_area'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name='fk_service_objective_created_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_service_objective'),
    )
    op.create_index('ix_service_objective_service_area_id', 'service_objective', ['service_area_id'])
    op.create_index('uq_service_objective_live_code', 'service_objective',
                    ['service_area_id', sa.text('lower(code)')], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_table(
        'objective_tag',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objective_id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=True),
        sa.Column('plan_row_id', sa.Integer(), nullable=True),
        sa.Column('tagged_by_id', sa.Integer(), nullable=False),
        sa.Column('tagged_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('(action_id IS NULL) <> (plan_row_id IS NULL)', name='ck_objective_tag_one_item'),
        sa.ForeignKeyConstraint(['objective_id'], ['service_objective.id'],
                                name='fk_objective_tag_objective_id_service_objective', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['action_id'], ['action.id'], name='fk_objective_tag_action_id_action',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_row_id'], ['plan_row.id'], name='fk_objective_tag_plan_row_id_plan_row',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tagged_by_id'], ['user_account.id'],
                                name='fk_objective_tag_tagged_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_objective_tag'),
        sa.UniqueConstraint('objective_id', 'action_id', name='uq_objective_tag_action'),
        sa.UniqueConstraint('objective_id', 'plan_row_id', name='uq_objective_tag_plan_row'),
    )
    op.create_index('ix_objective_tag_objective_id', 'objective_tag', ['objective_id'])
    op.create_index('ix_objective_tag_action_id', 'objective_tag', ['action_id'])
    op.create_index('ix_objective_tag_plan_row_id', 'objective_tag', ['plan_row_id'])


def downgrade():
    op.drop_index('ix_objective_tag_plan_row_id', table_name='objective_tag')
    op.drop_index('ix_objective_tag_action_id', table_name='objective_tag')
    op.drop_index('ix_objective_tag_objective_id', table_name='objective_tag')
    op.drop_table('objective_tag')
    op.drop_index('uq_service_objective_live_code', table_name='service_objective')
    op.drop_index('ix_service_objective_service_area_id', table_name='service_objective')
    op.drop_table('service_objective')
