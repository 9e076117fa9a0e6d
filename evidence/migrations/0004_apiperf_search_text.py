"""The evidence search document (``Evidence.search_text``) and its trigram index.

Fills the column for existing rows (one set-based UPDATE per 50,000 rows on
PostgreSQL), then indexes it with pg_trgm (PostgreSQL only; SQLite migrates through
it untouched). The trigram index on ``statement`` from 0003 goes: ``q`` no longer
reads that column, and the index only slowed writes (Django's ``icontains`` compiles
to ``UPPER(col) LIKE``, which it could not serve anyway).
"""

from django.db import migrations, models


def fill(apps, schema_editor):
    # Nothing to fill any more: 0013 drops the column, and PostgreSQL writes its
    # successor (evidence_search) itself.
    return


def drop_statement_index(apps, schema_editor):
    # Before the fill: every rewritten row would otherwise update this GIN index too.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "api_evidence_statement_trgm"')


def index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "evidence_search_text_trgm" ON "evidence_evidence" '
        'USING gin ("search_text" gin_trgm_ops)'
    )


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "evidence_search_text_trgm"')
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "api_evidence_statement_trgm" ON "evidence_evidence" '
        'USING gin ("statement" gin_trgm_ops)'
    )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_api_search_indexes")]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="search_text",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                help_text="What q searches, lower-cased: statement, citation title, names and aliases of the "
                "drugs, cargos and cells, and their lookup keys. Kept current by signals; after writes that "
                "bypass them call Evidence.objects.refresh_search_text(ids) (see models/search_text.py).",
            ),
        ),
        migrations.RunPython(drop_statement_index, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(index, unindex, elidable=False),
    ]
