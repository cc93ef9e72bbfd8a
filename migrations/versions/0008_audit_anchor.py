"""audit anchor: TRUNCATE refused on the append-only tables; the chain head sealed with EQIA_AUDIT_KEY

Revision ID: 0008
Revises: 0014
Create Date: 2026-12-06 03:30:00

PostgreSQL's row triggers (0001, 0003, 0004, 0006) do not fire on TRUNCATE, so
a statement trigger refuses it on each append-only table. SQLite has no
TRUNCATE: DELETE without WHERE meets the row triggers there already.

The head is sealed as it stands when this runs: run `flask eqia verify-audit`
before upgrading (README).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0014'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
# The tables whose rows are never changed or removed: the trail, the signatures,
# a restored version's trail, and the signed PDFs.
APPEND_ONLY = ("audit_event", "sign_off", "restored_audit_event", "assessment_document")


def upgrade():
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=False, server_default=''))

    # Migrations run inside the app (migrations/env.py), with its EQIA_AUDIT_KEY.
    from flask import current_app

    from eqia.services.audit import seal_for

    key = current_app.config["EQIA_AUDIT_KEY"]
    bind = op.get_bind()
    head = bind.execute(sa.text("SELECT seq, hash FROM audit_chain_head WHERE id = 1")).first()
    if head is None:
        bind.execute(sa.text("INSERT INTO audit_chain_head (id, seq, hash, seal) VALUES (1, 0, :h, :s)"),
                     {"h": GENESIS_HASH, "s": seal_for(0, GENESIS_HASH, key=key)})
    else:
        bind.execute(sa.text("UPDATE audit_chain_head SET seal = :s WHERE id = 1"),
                     {"s": seal_for(head.seq, head.hash, key=key)})

    if bind.dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION refuse_truncate() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: TRUNCATE is refused', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
        """)
        for table in APPEND_ONLY:
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate()
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_truncate()")
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.drop_column('seal')
