"""impact aims as rows: each of the duty's aims said of a group is a row (impact, aim key, relevant), so a profile
can have as many aims as its law gives; the three section 149 columns are copied into rows under "a", "b", "c"

Revision ID: 0015
Revises: 0008
Create Date: 2026-12-06 04:10:00

A column that was NULL (not yet said) gets no row, so the tri-state meaning is
kept. Signatures stay valid: the signed record lists the relevant aims' keys in
key order, "a", "b", "c", as it listed the columns.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0008'
branch_labels = None
depends_on = None

# The columns and the keys the profile files have always given the three aims.
COLUMNS = {"a": "aim_eliminate_discrimination", "b": "aim_advance_equality", "c": "aim_foster_good_relations"}


def upgrade():
    op.create_table('impact_aim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('impact_id', sa.Integer(), nullable=False),
    sa.Column('aim_key', sa.String(length=40), nullable=False),
    sa.Column('relevant', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['impact_id'], ['characteristic_impact.id'],
                            name=op.f('fk_impact_aim_impact_id_characteristic_impact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_aim')),
    sa.UniqueConstraint('impact_id', 'aim_key', name=op.f('uq_impact_aim_impact_id'))
    )
    with op.batch_alter_table('impact_aim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_impact_aim_impact_id'), ['impact_id'], unique=False)
    for key, column in COLUMNS.items():
        op.execute(f"INSERT INTO impact_aim (impact_id, aim_key, relevant) "
                   f"SELECT id, '{key}', {column} FROM characteristic_impact WHERE {column} IS NOT NULL")
    with op.batch_alter_table('characteristic_impact', schema=None) as batch_op:
        for column in COLUMNS.values():
            batch_op.drop_column(column)


def downgrade():
    with op.batch_alter_table('characteristic_impact', schema=None) as batch_op:
        for column in COLUMNS.values():
            batch_op.add_column(sa.Column(column, sa.Boolean(), nullable=True))
    # Aims other than the three have no column to go back to: they are lost on a downgrade.
    for key, column in COLUMNS.items():
        op.execute(f"UPDATE characteristic_impact SET {column} = (SELECT relevant FROM impact_aim "
                   f"WHERE impact_aim.impact_id = characteristic_impact.id AND impact_aim.aim_key = '{key}')")
    with op.batch_alter_table('impact_aim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_impact_aim_impact_id'))
    op.drop_table('impact_aim')
