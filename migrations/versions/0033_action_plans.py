"""action plans: themes, rows and their progress, adopted through a workflow

Revision ID: 0033_action_plans
Revises: 0032_activity_register
Create Date: 2026-12-07 14:00:00

Four new tables, and an index on the audit trail's reference (a plan's events
are found by its reference, "PLAN-7"): a downgrade drops them, and with them
every action plan (export each first); the trail itself is untouched.
"""
from alembic import op
import sqlalchemy as sa


revision = '0033_action_plans'
down_revision = '0032_activity_register'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'action_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('workflow_name', sa.String(length=40), nullable=False),
        sa.Column('workflow_version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name='fk_action_plan_created_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_action_plan'),
    )
    op.create_table(
        'plan_theme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('module', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], name='fk_plan_theme_plan_id_action_plan',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_plan_theme'),
    )
    op.create_index('ix_plan_theme_plan_id', 'plan_theme', ['plan_id'])
    op.create_table(
        'plan_row',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=200), nullable=False),
        sa.Column('recommendation', sa.Text(), nullable=False),
        sa.Column('response', sa.String(length=20), nullable=False),
        sa.Column('response_reason', sa.Text(), nullable=False),
        sa.Column('next_steps', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('due_condition', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('owner_user_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], name='fk_plan_row_plan_id_action_plan',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['plan_theme.id'], name='fk_plan_row_theme_id_plan_theme',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'],
                                name='fk_plan_row_owner_user_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_plan_row'),
    )
    op.create_index('ix_plan_row_plan_id', 'plan_row', ['plan_id'])
    op.create_index('ix_plan_row_theme_id', 'plan_row', ['theme_id'])
    op.create_index('ix_plan_row_owner_user_id', 'plan_row', ['owner_user_id'])
    op.create_table(
        'plan_row_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('dated', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['row_id'], ['plan_row.id'], name='fk_plan_row_update_row_id_plan_row',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], name='fk_plan_row_update_plan_id_action_plan',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name='fk_plan_row_update_recorded_by_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_plan_row_update'),
    )
    op.create_index('ix_plan_row_update_row_id', 'plan_row_update', ['row_id'])
    op.create_index('ix_plan_row_update_plan_id', 'plan_row_update', ['plan_id'])
    op.create_index('ix_audit_event_assessment_reference', 'audit_event', ['assessment_reference'])


def downgrade():
    op.drop_index('ix_audit_event_assessment_reference', table_name='audit_event')
    op.drop_index('ix_plan_row_update_plan_id', table_name='plan_row_update')
    op.drop_index('ix_plan_row_update_row_id', table_name='plan_row_update')
    op.drop_table('plan_row_update')
    op.drop_index('ix_plan_row_owner_user_id', table_name='plan_row')
    op.drop_index('ix_plan_row_theme_id', table_name='plan_row')
    op.drop_index('ix_plan_row_plan_id', table_name='plan_row')
    op.drop_table('plan_row')
    op.drop_index('ix_plan_theme_plan_id', table_name='plan_theme')
    op.drop_table('plan_theme')
    op.drop_table('action_plan')
