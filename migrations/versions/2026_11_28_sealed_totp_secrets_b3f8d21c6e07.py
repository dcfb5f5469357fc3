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


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=64),
               type_=sa.String(length=255),
               existing_nullable=True)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=255),
               type_=sa.String(length=64),
               existing_nullable=True)
