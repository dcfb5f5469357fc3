"""hardening: password reset links and requests, the outgoing mail queue, the pending TOTP secret on the server

Revision ID: 02cf69e7fcf2
Revises: e5a7c9b1d3f2
Create Date: 2026-12-01 09:06:54.890472

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '02cf69e7fcf2'
down_revision = 'b93cc175b506'
branch_labels = None
depends_on = None


def _alter_users(change):
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    if sqlite:
        # As in b3f8d21c6e07: batch mode may copy the users table and drop the old one, which
        # with foreign keys on cascades to (or is refused for) every row referring to a user.
        bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('users', schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the users table copy: {broken}')


def upgrade():
    op.create_table('outgoing_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sending', 'failed', name='outgoingstate', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mails'))
    )
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_mails_claim'), ['claim'], unique=False)
        batch_op.create_index('ix_outgoing_mails_state_due', ['state', 'next_attempt_at'], unique=False)

    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('password_reset_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_requests'))
    )
    _alter_users(lambda batch_op: batch_op.add_column(
        sa.Column('totp_pending_secret', sa.String(length=255), nullable=True)))



def downgrade():
    _alter_users(lambda batch_op: batch_op.drop_column('totp_pending_secret'))

    op.drop_table('password_reset_requests')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_mails_state_due')
        batch_op.drop_index(batch_op.f('ix_outgoing_mails_claim'))

    op.drop_table('outgoing_mails')
