"""restore: a restored version's audit trail as its system hashed it, and the ids its content record named

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restored_identity', sa.Text(), nullable=False, server_default=''))
    op.create_table('restored_audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('source_assessment_id', sa.Integer(), nullable=True),
    sa.Column('assessment_reference', sa.String(length=60), nullable=False),
    sa.Column('source_actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=320), nullable=False),
    sa.Column('actor_name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('from_state', sa.String(length=40), nullable=False),
    sa.Column('to_state', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('workflow_name', sa.String(length=40), nullable=False),
    sa.Column('workflow_version', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                            name=op.f('fk_restored_audit_event_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restored_audit_event')),
    sa.UniqueConstraint('assessment_id', 'position', name=op.f('uq_restored_audit_event_assessment_id'))
    )
    with op.batch_alter_table('restored_audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restored_audit_event_assessment_id'), ['assessment_id'], unique=False)
    # As the audit trail itself: never altered, never deleted.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION restored_audit_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'restored audit events are append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER restored_audit_event_append_only BEFORE UPDATE OR DELETE ON restored_audit_event
            FOR EACH ROW EXECUTE FUNCTION restored_audit_event_append_only()
        """)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER restored_audit_event_no_{verb.lower()} BEFORE {verb} ON restored_audit_event
                BEGIN SELECT RAISE(ABORT, 'restored audit events are append-only'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS restored_audit_event_append_only ON restored_audit_event")
        op.execute("DROP FUNCTION IF EXISTS restored_audit_event_append_only()")
    with op.batch_alter_table('restored_audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restored_audit_event_assessment_id'))
    op.drop_table('restored_audit_event')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('restored_identity')
