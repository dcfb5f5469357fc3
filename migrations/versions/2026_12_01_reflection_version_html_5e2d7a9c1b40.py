"""reflection versions keep their stored HTML

The public archive shows each reflection in the version the organiser reviewed
(published_reflections -> reflection_versions), so those rows keep the sanitised HTML of their
Markdown like the live reflections do (filled at flush by app/markdown.py).

Revision ID: 5e2d7a9c1b40
Revises: 839b3841f6d1
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.markdown import render_columns


# revision identifiers, used by Alembic.
revision = '5e2d7a9c1b40'
down_revision = '839b3841f6d1'
branch_labels = None
depends_on = None

FIELDS = ('body', 'key_lessons')


def upgrade():
    for name in FIELDS:
        op.add_column(
            'reflection_versions',
            sa.Column(f'{name}_html', sa.Text(), server_default='', nullable=False),
        )
    columns = [sa.column('id'), *(sa.column(n) for n in FIELDS),
               *(sa.column(f'{n}_html') for n in FIELDS)]
    render_columns(op.get_bind(), sa.table('reflection_versions', *columns), FIELDS)


def downgrade():
    for name in FIELDS:
        op.drop_column('reflection_versions', f'{name}_html')
