"""provenance of an imported assessment: the published document's title, organisation, address and date

Revision ID: 0014
Revises: 0006
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Existing assessments were written here (or their source was not kept): blank provenance.
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provenance_title', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provenance_organisation', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provenance_url', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provenance_published_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('provenance_published_on')
        batch_op.drop_column('provenance_url')
        batch_op.drop_column('provenance_organisation')
        batch_op.drop_column('provenance_title')
