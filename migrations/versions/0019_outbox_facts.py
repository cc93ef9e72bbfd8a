"""outbox facts: a queued message keeps what to say (a kind and its details) and is written in words
when it is sent; subject and body stay for the messages queued before, which keep their words

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 17:00:00

Messages already queued keep the subject and body they were written with, and
are sent in those words (they have no kind). A downgrade writes the words of
every message queued as facts into its subject and body first, as the sender
would have written them, so none is lost or sent blank by the older code.
"""
import json
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('details', sa.Text(), nullable=False, server_default='{}'))
        batch_op.alter_column('subject', existing_type=sa.Text(), nullable=True)
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=True)


def downgrade():
    # Migrations run inside the app (migrations/env.py): the words are written as the sender writes them.
    from flask import current_app
    from eqia.notifications.messages import written

    bind = op.get_bind()
    words = []
    for row in bind.execute(sa.text("SELECT id, kind, details, subject, body FROM outbox_message "
                                    "WHERE kind <> '' ORDER BY id")):
        queued = SimpleNamespace(kind=row.kind, details=json.loads(row.details or "{}"), subject=row.subject,
                                 body=row.body)
        # In English: before issue 17 every message was, and at this revision no account has a language.
        message = written(queued, current_app.config["EQIA_BASE_URL"], language="en")
        words.append({"id": row.id, "subject": message.subject, "body": message.body})
    if words:
        bind.execute(sa.text("UPDATE outbox_message SET subject = :subject, body = :body WHERE id = :id"), words)
    op.execute("UPDATE outbox_message SET subject = '' WHERE subject IS NULL")
    op.execute("UPDATE outbox_message SET body = '' WHERE body IS NULL")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('subject', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('details')
        batch_op.drop_column('kind')
