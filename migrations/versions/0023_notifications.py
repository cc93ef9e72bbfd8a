"""notifications: what each person is told in the service, how they want to hear of each kind, and the
bookkeeping that keeps a reminder or a daily digest from being sent twice

Revision ID: 0023_notifications
Revises: 0020
Create Date: 2026-12-06 20:30:00

A message no event caused (a reminder, a digest) has no audit event, so the
outbox's link to one becomes optional. Nothing existing is rewritten: messages
already queued are sent as before. A downgrade drops the notifications and the
choices people made, and the reminders and digests already sent; it refuses
while one is still to be sent, which the older schema could not hold.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_notifications'
down_revision = '0022_review_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('audit_event_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('once_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_once_key'), ['once_key'])
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('delivery', sa.String(length=20), nullable=False),
        sa.Column('outbox_message_id', sa.Integer(), nullable=True),
        sa.Column('once_key', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'once_key'),
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_outbox_message_id'), ['outbox_message_id'], unique=False)
    op.create_table(
        'notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'kind'),
    )


def downgrade():
    bind = op.get_bind()
    waiting = bind.execute(sa.text("SELECT COUNT(*) FROM outbox_message WHERE audit_event_id IS NULL "
                                   "AND sent_at IS NULL")).scalar_one()
    if waiting:
        raise RuntimeError(f"{waiting} queued message(s) (reminders or digests) have no audit event, which "
                           "the schema before 0023 cannot hold: send them (or delete them) first")
    # Reminders and digests already delivered: the older schema cannot hold them, and nothing waits on them.
    op.execute("DELETE FROM outbox_message WHERE audit_event_id IS NULL")
    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_notification_assessment_id'))
        batch_op.drop_index('ix_notification_user_unread')
    op.drop_table('notification')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_once_key'), type_='unique')
        batch_op.drop_column('once_key')
        batch_op.alter_column('audit_event_id', existing_type=sa.Integer(), nullable=False)
