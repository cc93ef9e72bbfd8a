"""names in any case: a live directorate's name, and a live service's within its
directorate, are unique whatever their letters' case

Revision ID: 0031_names_any_case
Revises: 0030_language
Create Date: 2026-12-07 07:00:00

The administration pages already refuse "libraries" beside "Libraries"; the
indexes now refuse it too, so two admins adding the two at the same moment
cannot both succeed (eqia.unit_of_work.refusing_clashes turns the refusal
into the page's error). A database that already holds two live names
differing only in case stops the upgrade with a message naming them: an
admin renames or retires one, and the upgrade is run again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0031_names_any_case'
down_revision = '0030_language'
branch_labels = None
depends_on = None

LIVE = sa.text("retired_at IS NULL")


def _clashes(sql: str) -> list:
    return list(op.get_bind().execute(sa.text(sql)))


def upgrade():
    directorates = _clashes("SELECT lower(name) FROM directorate WHERE retired_at IS NULL "
                            "GROUP BY lower(name) HAVING count(*) > 1")
    services = _clashes("SELECT directorate_id, lower(name) FROM service_area WHERE retired_at IS NULL "
                        "GROUP BY directorate_id, lower(name) HAVING count(*) > 1")
    if directorates or services:
        names = [r[0] for r in directorates] + [r[1] for r in services]
        raise RuntimeError("These live names differ only in case: " + ", ".join(sorted(names)) + ". Rename or "
                           "retire one of each on the administration pages, then run the upgrade again.")
    op.drop_index('uq_directorate_live_name', table_name='directorate')
    op.create_index('uq_directorate_live_name', 'directorate', [sa.text('lower(name)')], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.drop_index('uq_service_area_live_name', table_name='service_area')
    op.create_index('uq_service_area_live_name', 'service_area', ['directorate_id', sa.text('lower(name)')],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    op.drop_index('uq_service_area_live_name', table_name='service_area')
    op.create_index('uq_service_area_live_name', 'service_area', ['directorate_id', 'name'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    op.drop_index('uq_directorate_live_name', table_name='directorate')
    op.create_index('uq_directorate_live_name', 'directorate', ['name'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
