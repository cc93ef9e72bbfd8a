"""periodic runs: one row per kind of periodic work and period, claimed once

Revision ID: 0021_periodic_runs
Revises: 0020
Create Date: 2026-12-06 20:30:00

The daily sweep (review dates falling due, notifications to retry) runs from
every worker's periodic task and from `flask eqia tick`; the unique (kind,
period) is what lets only one of them do a day's work. A new table: nothing
existing changes, and a downgrade only forgets which periods have run (the next
tick runs today's again, which finds nothing left to do).
"""
from alembic import op
import sqlalchemy as sa


revision = '0021_periodic_runs'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'periodic_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('period', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('details', sa.Text(), server_default='{}', nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'period', name='uq_periodic_run_kind_period'),
    )


def downgrade():
    op.drop_table('periodic_run')
