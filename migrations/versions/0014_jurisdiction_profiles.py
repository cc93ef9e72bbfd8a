"""jurisdiction profiles: the profile and version each assessment was made under; and the provenance of an
imported assessment: the published document's title, organisation, address and date

Revision ID: 0014
Revises: 0007
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app, has_app_context


revision = '0014'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Existing assessments were written here (or their source was not kept): blank provenance.
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provenance_title', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provenance_organisation', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provenance_url', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provenance_published_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('profile_key', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('profile_version', sa.Integer(), nullable=True))
    # Existing assessments were made under the set this deployment runs now (England's
    # unless it replaced the file): record that profile, as every new one does.
    key, version = "england", 1
    if has_app_context() and "eqia" in current_app.extensions:
        profile = current_app.extensions["eqia"]["characteristics"]
        key, version = profile.key, profile.version
    op.execute(sa.text("UPDATE assessment SET profile_key = :key, profile_version = :version")
               .bindparams(key=key, version=version))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('profile_version')
        batch_op.drop_column('profile_key')
        batch_op.drop_column('provenance_published_on')
        batch_op.drop_column('provenance_url')
        batch_op.drop_column('provenance_organisation')
        batch_op.drop_column('provenance_title')
