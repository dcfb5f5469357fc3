"""dashboard indexes: cases by status and shared_at and by shared_at, reflections by created_at

The dashboards list open questions awaiting a reaction and cases without a reflection in the
order they were shared, and the newest reflections: with these indexes the database reads
those rows in order and stops at the panel's size, instead of sorting every shared case
(0.8 ms of a participant dashboard's 3 ms in the database at 600 cases, 1.2 ms of an
expert's).

Revision ID: 6f1c3a8d2e91
Revises: 5e2d7a9c1b40
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6f1c3a8d2e91'
down_revision = '5e2d7a9c1b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_status_shared_at', 'cases', ['status', 'shared_at'])
    op.create_index('ix_cases_shared_at', 'cases', ['shared_at'])
    op.create_index('ix_reflections_created_at', 'reflections', ['created_at'])


def downgrade():
    op.drop_index('ix_reflections_created_at', table_name='reflections')
    op.drop_index('ix_cases_shared_at', table_name='cases')
    op.drop_index('ix_cases_status_shared_at', table_name='cases')
