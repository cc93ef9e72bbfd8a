"""action owners: an action's owner may be an account, beside the owner's name

Revision ID: 0024_action_owners
Revises: 0020 (0020_action_updates.py)
Create Date: 2026-12-06 20:20:00

The owner's name (free text) stays what the plan and the signed record say; the
account, when the owner has one, is a new nullable column, so every existing
action keeps working as a named officer or body without an account. Nothing is
rewritten and no content hash moves: the record does not carry the account.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_action_owners'
down_revision = '0023_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_action_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_foreign_key('fk_action_owner_user_id_user_account', 'user_account', ['owner_user_id'],
                                    ['id'])


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_constraint('fk_action_owner_user_id_user_account', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_action_owner_user_id'))
        batch_op.drop_column('owner_user_id')
