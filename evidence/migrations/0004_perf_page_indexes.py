"""Indexes behind the public pages' counts (PostgreSQL only; SQLite migrates through untouched).

The pages only ever count accepted evidence. A partial index over accepted items,
keyed by id and carrying the columns the facets group by, lets PostgreSQL answer
"how many of these ids are accepted, and at which level" from a narrow index
(index-only scans, merge joins with the link tables' (entity, evidence) indexes)
instead of reading the wide evidence rows; the others serve "most recently
accepted" on the home page and the per-cell counts.
"""

from django.db import migrations

INDEXES = {
    "perf_evidence_accepted_cover": (
        'ON "evidence_evidence" ("id") INCLUDE ("therapy_class_id", "effect", "level", "subtype", '
        "\"evidence_type\") WHERE status = 'accepted'"
    ),
    "perf_evidence_accepted_class": 'ON "evidence_evidence" ("therapy_class_id", "id") WHERE status = \'accepted\'',
    "perf_evidence_accepted_recent": (
        'ON "evidence_evidence" ("reviewed_at" DESC NULLS LAST, "id" DESC) WHERE status = \'accepted\''
    ),
    "perf_evidence_accepted_source": 'ON "evidence_evidence" ("source_cell_id", "id") WHERE status = \'accepted\'',
    "perf_evidence_accepted_recipient": (
        'ON "evidence_evidence" ("recipient_cell_id", "id") WHERE status = \'accepted\''
    ),
    "perf_evidence_accepted_citation": 'ON "evidence_evidence" ("citation_id", "id") WHERE status = \'accepted\'',
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" {definition}')
    schema_editor.execute('ANALYZE "evidence_evidence"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_api_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
