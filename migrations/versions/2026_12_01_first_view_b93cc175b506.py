"""first view: drop the page cache's content_version row

The per-session page cache is gone (issue 13): it only ever served a repeat view of one URL by
one session, and its one row, updated by every write transaction, made concurrent writers
queue on one lock.

Revision ID: b93cc175b506
Revises: e5a7c9b1d3f2
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b93cc175b506'
down_revision = 'e5a7c9b1d3f2'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('content_version')


def downgrade():
    table = op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': 'initial'}])
