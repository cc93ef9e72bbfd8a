"""outbox claims and retries: who is sending each message and until when, when to try it next, and when it was
set aside with what failure

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('failure', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('smtp_code', sa.Integer(), nullable=True))
    # Messages already queued (and those retried until now) are due at once.
    op.execute("UPDATE outbox_message SET next_attempt_at = created_at")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('claimed_by', existing_type=sa.String(length=32), server_default=None)
        batch_op.alter_column('failure', existing_type=sa.String(length=40), server_default=None)
        batch_op.create_index(batch_op.f('ix_outbox_message_next_attempt_at'), ['next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_next_attempt_at'))
        batch_op.drop_column('smtp_code')
        batch_op.drop_column('failure')
        batch_op.drop_column('failed_at')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('next_attempt_at')
