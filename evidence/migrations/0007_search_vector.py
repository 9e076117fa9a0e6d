"""``q`` as a word-prefix full-text search: ``evidence_evidence.search_vector``.

PostgreSQL only (SQLite migrates through it untouched and matches ``q`` with a
regular expression, see ``evidence/models/search_text.py``):

* a stored generated column ``search_vector``, the ``simple`` text-search vector of
  ``search_text``: the words of every line but the last (ASCII punctuation, Unicode
  dashes and quotes turned into spaces first), with positions for ``<->``, and the
  lookup-key tokens of the last line (``k=mcf7``) as whole lexemes. PostgreSQL
  rewrites it whenever ``search_text`` changes, so the signals and
  ``refresh_search_text()`` that keep ``search_text`` current keep it current too;
* a GIN index on it, and statistics of its 10,000 most common words (statistics
  target 1000), so that the planner knows how common each word is: it walks the
  id index backwards for "macrophages" and reads the GIN index for a rare cell
  name;
* the trigram index on ``search_text`` (0004) goes: nothing reads it any more, and
  every write paid for it.

Not a model field: Django never writes it, and the ORM reaches it through the
``matches_words`` lookup. Adding the column rewrites the table (about 30 s for
100,000 items on the benchmark machine); run ``VACUUM ANALYZE evidence_evidence``
afterwards on a large database, so that index-only scans work again at once.
"""

from django.db import migrations

# Frozen copy of search_text.VECTOR_SQL at the time of this migration.
VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, regexp_replace(coalesce(substring(search_text from '^(.*)\\n'), ''), "
    "'[\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f\\u00a0\\u2000-\\u206f\\u2212]+', ' ', 'g')) "
    "|| array_to_tsvector(string_to_array(btrim(coalesce(substring(search_text from '[^\\n]*$'), '')), ' '))"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "evidence_search_text_trgm"')
    schema_editor.execute(
        f'ALTER TABLE "evidence_evidence" ADD COLUMN IF NOT EXISTS "search_vector" tsvector '
        f"GENERATED ALWAYS AS ({VECTOR_SQL}) STORED"
    )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "evidence_search_vector" ON "evidence_evidence" USING gin ("search_vector")'
    )
    # The most common 10,000 words rather than 1,000: rare names are then estimated
    # from their own frequency, not from a default.
    schema_editor.execute('ALTER TABLE "evidence_evidence" ALTER COLUMN "search_vector" SET STATISTICS 1000')
    schema_editor.execute('ANALYZE "evidence_evidence"')


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('ALTER TABLE "evidence_evidence" DROP COLUMN IF EXISTS "search_vector"')
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "evidence_search_text_trgm" ON "evidence_evidence" '
        'USING gin ("search_text" gin_trgm_ops)'
    )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0006_merge_20261125_1537")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
