"""single sign-on: an account's OpenID Connect identity, and confirmations of identity at sign-off

Revision ID: 0028_single_sign_on
Revises: 0027_administration
Create Date: 2026-12-06 23:50:00

An account may be tied to one identity at an OpenID Connect provider: the pair
(issuer, subject), which the provider promises never to give anyone else (an
e-mail address can be reused). Both empty for an account that signs in only with
a password. A new table keeps each fresh sign-in at the provider made to sign
off, used once. A downgrade forgets the ties (those people then sign in with a
password, which an admin sets) and any confirmations not yet used.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028_single_sign_on'
down_revision = '0027_administration'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_oidc_identity', ['oidc_issuer', 'oidc_subject'])
    op.create_table(
        'identity_confirmation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(length=100), nullable=False),
        sa.Column('authenticated_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('identity_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_confirmation_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('identity_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_confirmation_user_id'))
    op.drop_table('identity_confirmation')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_oidc_identity', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
