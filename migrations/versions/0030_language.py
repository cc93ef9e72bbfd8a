"""language: the language a person chose for the service (English or Welsh)

Revision ID: 0030_language
Revises: 0028_single_sign_on
Create Date: 2026-12-07 03:05:00

Empty until the person chooses: until then the service follows the language a
visitor chose on the page, or their browser's, as it does for the public. A
downgrade forgets the choice (everyone then sees English).
"""
from alembic import op
import sqlalchemy as sa


revision = '0030_language'
down_revision = '0028_single_sign_on'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('language')
