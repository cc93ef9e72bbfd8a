"""audit facts: each event keeps a kind and structured details beside its actor's comment, and says which
form its hash covers; the facts of existing events are read from their words once, here

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-06 08:00:00

Every existing event keeps hash form 1 (its hash covers its words as written,
not the new columns), so the chain verifies as before. Their kind and details
are read from their action codes and words by eqia.services.audit.legacy_facts,
and `flask eqia verify-audit` holds them to those words afterwards. The
append-only triggers are lifted for this one backfill and put back.

A downgrade is refused once an event has been written in form 2: the schema
before this one could not verify it.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = {"audit_event": "audit events", "restored_audit_event": "restored audit events"}
COLUMNS = ("kind", "details", "hash_version")


def _lift_triggers(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


def _restore_triggers(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    else:
        op.execute(f"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{TABLES[table]} are append-only'); END
        """)


def upgrade():
    # Migrations run inside the app (migrations/env.py); the old words are read as verify-audit reads them.
    from eqia.services.audit import legacy_facts

    bind = op.get_bind()
    for table in TABLES:
        # Added in place (SQLite's ALTER TABLE ADD COLUMN): the table is not rebuilt, so its triggers stay.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('details', sa.Text(), nullable=False, server_default='{}'))
            batch_op.add_column(sa.Column('hash_version', sa.Integer(), nullable=False, server_default='1'))
        found = []
        for row in bind.execute(sa.text(f"SELECT id, action, comment FROM {table} ORDER BY id")):
            kind, details = legacy_facts(row.action, row.comment)
            if kind:
                found.append({"id": row.id, "kind": kind,
                              "details": json.dumps(details, sort_keys=True, separators=(",", ":"),
                                                    ensure_ascii=False)})
        if found:
            _lift_triggers(table)
            bind.execute(sa.text(f"UPDATE {table} SET kind = :kind, details = :details WHERE id = :id"), found)
            _restore_triggers(table)


def downgrade():
    bind = op.get_bind()
    for table in TABLES:
        newer = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE hash_version > 1")).scalar_one()
        if newer:
            raise RuntimeError(f"{newer} {TABLES[table]} are hashed in form 2 (hash_version 2), which the schema "
                               "before 0018 cannot verify: restore a backup taken before the upgrade instead")
    for table in TABLES:
        # Dropped in place (SQLite 3.35 and later): rebuilding the table would drop its triggers.
        for column in COLUMNS:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
