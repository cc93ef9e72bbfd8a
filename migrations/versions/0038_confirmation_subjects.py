"""confirmations of identity for any signed record: a fresh sign-in at the single sign-on provider
stands in for the password on a cumulative judgement's signature and an action plan's adoption too

Revision ID: 0038_confirmation_subjects
Revises: 0037_programme_figures
Create Date: 2026-12-08 00:30:00

Each confirmation now says what kind of record it was made for (`subject`: assessment,
cumulative_judgement, action_plan) and which (`record_id`); an assessment's keeps its
assessment_id too, so it goes with the assessment as before. Existing confirmations are
an assessment's. A downgrade drops the confirmations made for other records.
"""
from alembic import op
import sqlalchemy as sa


revision = '0038_confirmation_subjects'
down_revision = '0037_programme_figures'
branch_labels = None
depends_on = None

# SQLite rebuilds the table to change a column: reflect it alone, not the tables its keys name (whose
# expression indexes reflection cannot read, and warns of).
ONLY_THIS_TABLE = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table('identity_confirmation', schema=None, reflect_kwargs=ONLY_THIS_TABLE) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=40), nullable=False, server_default='assessment'))
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
    op.execute("UPDATE identity_confirmation SET record_id = assessment_id")
    with op.batch_alter_table('identity_confirmation', schema=None, reflect_kwargs=ONLY_THIS_TABLE) as batch_op:
        batch_op.alter_column('record_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM identity_confirmation WHERE subject <> 'assessment'")
    with op.batch_alter_table('identity_confirmation', schema=None, reflect_kwargs=ONLY_THIS_TABLE) as batch_op:
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('record_id')
        batch_op.drop_column('subject')
