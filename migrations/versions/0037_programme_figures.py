"""the lead's figures kept worked out: counts by a few dimensions, each live version's state and
speaking, each speaking impact, each activity's coverage; and the dates the follow-up lists read

Revision ID: 0037_programme_figures
Revises: 0036_cumulative_judgements
Create Date: 2026-12-08 00:00:00

Five new tables, all derived (eqia.services.figure_refresh works them out again
from the assessments, their trail and the register): nothing in them is entered,
so a downgrade that drops them loses nothing. They start empty; the first
working out (a task after the next change, or the next sweep) fills them. Two
indexes on the assessment's planned decision and review dates, for the lists of
the ones coming soonest.
"""
from alembic import op
import sqlalchemy as sa


revision = '0037_programme_figures'
down_revision = '0036_cumulative_judgements'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'figure_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('worked_out_at', sa.DateTime(), nullable=False),
        sa.Column('took_ms', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_figure_run'),
    )
    op.create_table(
        'figure_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('directorate_id', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(length=80), nullable=False),
        sa.Column('group_key', sa.String(length=80), nullable=False),
        sa.Column('programme_key', sa.String(length=300), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('day', sa.Date(), nullable=True),
        sa.Column('days', sa.Integer(), nullable=True),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_figure_count'),
    )
    op.create_index('ix_figure_count_kind', 'figure_count', ['kind', 'code'])
    op.create_index('ix_figure_count_day', 'figure_count', ['kind', 'day'])
    op.create_table(
        'figure_version',
        sa.Column('assessment_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('directorate_id', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=True),
        sa.Column('speaks', sa.Boolean(), nullable=False),
        sa.Column('programme_key', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('assessment_id', name='pk_figure_version'),
    )
    op.create_index('ix_figure_version_state_since', 'figure_version', ['state', 'since'])
    op.create_index('ix_figure_version_programme', 'figure_version', ['speaks', 'programme_key', 'reference'])
    op.create_table(
        'figure_impact',
        sa.Column('assessment_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('group_key', sa.String(length=80), nullable=False),
        sa.Column('group_label', sa.Text(), nullable=False),
        sa.Column('impact', sa.String(length=40), nullable=False),
        sa.Column('directorate_id', sa.Integer(), nullable=False),
        sa.Column('programme_key', sa.String(length=300), nullable=False),
        sa.Column('decision_date', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('assessment_id', 'group_key', name='pk_figure_impact'),
    )
    op.create_index('ix_figure_impact_cell', 'figure_impact', ['group_key', 'impact', 'decision_date', 'assessment_id'])
    op.create_table(
        'figure_activity',
        sa.Column('activity_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('activity_id', name='pk_figure_activity'),
    )
    op.create_index('ix_figure_activity_rank', 'figure_activity', ['rank'])
    op.create_index('ix_assessment_planned_decision_date', 'assessment', ['planned_decision_date'])
    op.create_index('ix_assessment_review_date', 'assessment', ['review_date'])


def downgrade():
    op.drop_index('ix_assessment_review_date', table_name='assessment')
    op.drop_index('ix_assessment_planned_decision_date', table_name='assessment')
    for table in ('figure_activity', 'figure_impact', 'figure_version', 'figure_count', 'figure_run'):
        op.drop_table(table)
