"""challenge, sign-off and publication: the content each round was submitted with, what each signature
covered, when a version was published; standard workflow assessments move to version 2

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # The content as submitted for each round of challenge, so a lead sees what
    # changed since the round before.
    with op.batch_alter_table('challenge_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_snapshot', sa.Text(), nullable=False, server_default=''))
    # Points are keyed by task ("characteristic:" and a 60-character key fits),
    # and say who made them.
    with op.batch_alter_table('challenge_comment', schema=None) as batch_op:
        batch_op.alter_column('section_key', type_=sa.String(length=100), existing_type=sa.String(length=60),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_challenge_comment_reviewed_by_id_user_account'), 'user_account',
                                    ['reviewed_by_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_challenge_comment_round_id'), ['round_id', 'section_key'])
    # The canonical content a signature's hash was computed over, and the signer's
    # name as it was, so a check can say what changed and the record reads the same
    # if the account changes later.
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_content', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('signer_name', sa.Text(), nullable=False, server_default=''))
    # A signature is never altered or taken back: the database refuses it, as it
    # does for audit events. (Created after the table is altered: SQLite rebuilds
    # the table for that, which would drop the triggers.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION sign_off_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'sign-offs are append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER sign_off_append_only BEFORE UPDATE OR DELETE ON sign_off
            FOR EACH ROW EXECUTE FUNCTION sign_off_append_only()
        """)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER sign_off_no_{verb.lower()} BEFORE {verb} ON sign_off
                BEGIN SELECT RAISE(ABORT, 'sign-offs are append-only'); END
            """)
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessment_published_at'), ['published_at'], unique=False)
    # Version 2 of the standard workflow adds the challenge ledger, re-authenticated
    # sign-off and withdrawal from the register. No deployment ran version 1, whose
    # sign-off asked for no password, so its assessments move to version 2 rather
    # than keep a rule that weak.
    op.execute("UPDATE assessment SET workflow_version = 2 WHERE workflow_name = 'standard' AND workflow_version = 1")


def downgrade():
    op.execute("UPDATE assessment SET workflow_version = 1 WHERE workflow_name = 'standard' AND workflow_version = 2")
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_published_at'))
        batch_op.drop_column('published_at')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sign_off_append_only ON sign_off")
        op.execute("DROP FUNCTION IF EXISTS sign_off_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS sign_off_no_update")
        op.execute("DROP TRIGGER IF EXISTS sign_off_no_delete")
    with op.batch_alter_table('sign_off', schema=None) as batch_op:
        batch_op.drop_column('signer_name')
        batch_op.drop_column('signed_content')
    with op.batch_alter_table('challenge_comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_challenge_comment_round_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_challenge_comment_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.alter_column('section_key', type_=sa.String(length=60), existing_type=sa.String(length=100),
                              existing_nullable=False)
    with op.batch_alter_table('challenge_round', schema=None) as batch_op:
        batch_op.drop_column('content_snapshot')
