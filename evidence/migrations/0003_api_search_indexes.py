"""Indexes behind the API's filters and free-text search.

PostgreSQL only (SQLite migrates through it untouched): trigram GIN indexes make the
``q`` search's case-insensitive substring matches (``ILIKE '%...%'``) indexable, and
(entity, evidence) indexes on the link tables let a drug or cargo filter read the
evidence ids from the index alone.
"""

from django.db import migrations

TRIGRAM = [
    ("evidence_evidence", "statement"),
    ("evidence_citation", "title"),
    ("evidence_citation", "author_string"),
    ("evidence_citation", "journal"),
    ("evidence_drug", "name"),
    ("evidence_drugalias", "name"),
    ("evidence_cargo", "symbol"),
    ("evidence_cargo", "name"),
    ("evidence_cargoalias", "name"),
    ("evidence_cell", "name"),
    ("evidence_cellalias", "name"),
]
LINKS = [
    ("evidence_evidence_drugs", "drug_id"),
    ("evidence_evidence_cargos", "cargo_id"),
    ("evidence_evidence_mechanisms", "mechanism_id"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in TRIGRAM:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "api_{table[9:]}_{column}_trgm" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
        )
    for table, column in LINKS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "api_{table[9:]}_{column}_ev" ON "{table}" ("{column}", "evidence_id")'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in TRIGRAM:
        schema_editor.execute(f'DROP INDEX IF EXISTS "api_{table[9:]}_{column}_trgm"')
    for table, column in LINKS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "api_{table[9:]}_{column}_ev"')


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_groups")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
