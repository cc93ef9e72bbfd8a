"""password links: the e-mailed links that set a password (a reset, an invitation)

Revision ID: 0026_password_links
Revises: 0029_sessions_totp
Create Date: 2026-12-06 23:55:00

A new table: nothing existing changes. An invited person's account has an
empty password hash until they use their link; existing accounts all have one.
A downgrade forgets the links under way: their people ask for another.
"""
from alembic import op
import sqlalchemy as sa


revision = '0026_password_links'
down_revision = '0029_sessions_totp'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'password_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_sha256'),
    )
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_link_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_link_user_id'))
    op.drop_table('password_link')
