"""first view: stored HTML of Markdown fields; drop the page cache's content_version row

Pages showed Markdown by rendering and sanitising it on every view; now every Markdown column
keeps its sanitised HTML beside it (`<name>_html`, filled at flush by app/markdown.py), and
this migration fills those columns for the rows already there.

The per-session page cache is gone (issue 13): it only ever served a repeat view of one URL by
one session, and its one row, updated by every write transaction, made concurrent writers
queue on one lock.

Revision ID: b93cc175b506
Revises: e5a7c9b1d3f2
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.markdown import render_columns


# revision identifiers, used by Alembic.
revision = 'b93cc175b506'
down_revision = 'e5a7c9b1d3f2'
branch_labels = None
depends_on = None

CASE_SECTIONS = ('summary', 'situation', 'stakeholders', 'approach', 'question', 'outcome')
# table -> its Markdown columns (the models' __markdown_fields__ as of this revision)
STORED_HTML = {
    'cases': CASE_SECTIONS,
    'comments': ('body',),
    'reflections': ('body', 'key_lessons'),
    'methods': ('summary', 'when_useful', 'how_to'),
    'assignments': ('instructions',),
    'assignment_responses': ('body',),
    'meetings': ('agenda', 'report', 'key_insights'),
    'work_sessions': ('partners', 'aims', 'report'),
    'applications': ('learning_questions', 'expectations', 'local_issues'),
    'archive_publications': CASE_SECTIONS,
}
def upgrade():
    op.drop_table('content_version')
    # Plain ALTER TABLE ... ADD COLUMN on both databases: with a default, SQLite needs no copy.
    for table_name, fields in STORED_HTML.items():
        for name in fields:
            op.add_column(
                table_name, sa.Column(f'{name}_html', sa.Text(), server_default='', nullable=False)
            )
    connection = op.get_bind()
    for table_name, fields in STORED_HTML.items():
        columns = [sa.column('id'), *(sa.column(n) for n in fields),
                   *(sa.column(f'{n}_html') for n in fields)]
        render_columns(connection, sa.table(table_name, *columns), fields)


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: on SQLite a batch would copy
    # the table, and dropping the old copy of `cases` would cascade to its comments.
    for table_name, fields in STORED_HTML.items():
        for name in fields:
            op.drop_column(table_name, f'{name}_html')
    table = op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': 'initial'}])
