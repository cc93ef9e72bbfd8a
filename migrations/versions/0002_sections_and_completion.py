"""sections: the screening proposal, section completion marks; per-impact 'completed' folded into them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screening_proposal', sa.String(length=40), nullable=True))

    op.create_table('section_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=100), nullable=False),
    sa.Column('completed_by_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_section_completion_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['completed_by_id'], ['user_account.id'], name=op.f('fk_section_completion_completed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_completion')),
    sa.UniqueConstraint('assessment_id', 'section_key', name=op.f('uq_section_completion_assessment_id'))
    )
    with op.batch_alter_table('section_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_completion_assessment_id'), ['assessment_id'], unique=False)

    # A per-characteristic "completed" flag was the first sketch of this; the
    # marks now live in one table for every section. Carry any set flags over.
    op.execute(
        "INSERT INTO section_completion (assessment_id, section_key, completed_by_id, completed_at) "
        "SELECT ci.assessment_id, 'characteristic:' || ci.characteristic_key, a.created_by_id, a.updated_at "
        "FROM characteristic_impact ci JOIN assessment a ON a.id = ci.assessment_id WHERE ci.completed"
    )
    with op.batch_alter_table('characteristic_impact', schema=None) as batch_op:
        batch_op.drop_column('completed')


def downgrade():
    with op.batch_alter_table('characteristic_impact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE characteristic_impact SET completed = TRUE WHERE EXISTS (SELECT 1 FROM section_completion sc "
        "WHERE sc.assessment_id = characteristic_impact.assessment_id "
        "AND sc.section_key = 'characteristic:' || characteristic_impact.characteristic_key)"
    )
    with op.batch_alter_table('section_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_completion_assessment_id'))
    op.drop_table('section_completion')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('screening_proposal')
