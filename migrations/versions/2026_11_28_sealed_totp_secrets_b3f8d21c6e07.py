"""sealed TOTP secrets: room for the encrypted form

Revision ID: b3f8d21c6e07
Revises: 7c1e52a9d0f4
Create Date: 2026-11-28 06:30:00.000000

Secrets stored in the clear before this keep working: the next code that person signs in
with seals theirs (app/mfa/services.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f8d21c6e07'
down_revision = '7c1e52a9d0f4'
branch_labels = None
depends_on = None


def _widen(length_from, length_to):
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    if sqlite:
        # SQLite cannot change a column in place, so batch mode copies the users table and
        # drops the old one; with foreign keys on, that drop would cascade to (or be refused
        # for) every row that refers to a user. env.py runs each migration in its own
        # transaction, so this pragma (ignored inside a transaction) takes effect here.
        bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=length_from),
               type_=sa.String(length=length_to),
               existing_nullable=True)
    if sqlite:
        broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the users table copy: {broken}')


def upgrade():
    _widen(64, 255)


def downgrade():
    _widen(255, 64)
