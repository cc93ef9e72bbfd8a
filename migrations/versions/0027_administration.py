"""administration: directorates retire, services belong to directorates, leads cover directorates

Revision ID: 0027_administration
Revises: 0026_password_links
Create Date: 2026-12-06 23:50:00

A directorate is retired, never deleted: old assessments keep naming it. Its
name is unique among the live ones only (a retired "Finance" may be followed by
a new one), so the table-wide unique constraint becomes a partial unique index.
Services (`service_area`) belong to a directorate and retire the same way. An
equality lead may cover some directorates (`lead_directorate`); a lead who
covers none works across the council, as every lead did before.
"""
from alembic import op
import sqlalchemy as sa



revision = '0027_administration'
down_revision = '0026_password_links'
branch_labels = None
depends_on = None

LIVE = sa.text('retired_at IS NULL')


def upgrade():
    with op.batch_alter_table('directorate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint('uq_directorate_name', type_='unique')
    op.create_index('uq_directorate_live_name', 'directorate', ['name'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_table(
        'service_area',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('directorate_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['directorate_id'], ['directorate.id'],
                                name=op.f('fk_service_area_directorate_id_directorate')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_area')),
    )
    op.create_index(op.f('ix_service_area_directorate_id'), 'service_area', ['directorate_id'], unique=False)
    op.create_index('uq_service_area_live_name', 'service_area', ['directorate_id', 'name'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_table(
        'lead_directorate',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('directorate_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_lead_directorate_user_id_user_account')),
        sa.ForeignKeyConstraint(['directorate_id'], ['directorate.id'],
                                name=op.f('fk_lead_directorate_directorate_id_directorate')),
        sa.PrimaryKeyConstraint('user_id', 'directorate_id', name=op.f('pk_lead_directorate')),
    )


def downgrade():
    op.drop_table('lead_directorate')
    op.drop_index('uq_service_area_live_name', table_name='service_area')
    op.drop_index(op.f('ix_service_area_directorate_id'), table_name='service_area')
    op.drop_table('service_area')
    op.drop_index('uq_directorate_live_name', table_name='directorate')
    # A retired directorate sharing a live one's name would break the old constraint:
    # the downgrade refuses rather than rename anything.
    with op.batch_alter_table('directorate', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_directorate_name', ['name'])
        batch_op.drop_column('retired_at')
