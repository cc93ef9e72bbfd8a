"""documents: the PDF stored at sign-off, and drafts cached by what they show

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_document_assessment_id_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_document')),
    sa.UniqueConstraint('assessment_id', 'kind', 'fingerprint', name=op.f('uq_assessment_document_assessment_id'))
    )
    with op.batch_alter_table('assessment_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_document_assessment_id'), ['assessment_id'], unique=False)
    # The signed PDF is the record the council publishes: like a signature, it is
    # never altered or deleted once stored. (Drafts may be replaced.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION signed_document_kept() RETURNS trigger AS $$
            BEGIN
                IF OLD.kind = 'signed' THEN
                    RAISE EXCEPTION 'a signed document is never changed';
                END IF;
                RETURN COALESCE(NEW, OLD);
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER signed_document_kept BEFORE UPDATE OR DELETE ON assessment_document
            FOR EACH ROW EXECUTE FUNCTION signed_document_kept()
        """)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER signed_document_no_{verb.lower()} BEFORE {verb} ON assessment_document
                WHEN OLD.kind = 'signed'
                BEGIN SELECT RAISE(ABORT, 'a signed document is never changed'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS signed_document_kept ON assessment_document")
        op.execute("DROP FUNCTION IF EXISTS signed_document_kept()")
    with op.batch_alter_table('assessment_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_document_assessment_id'))
    op.drop_table('assessment_document')
