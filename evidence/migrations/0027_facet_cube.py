"""Stored counts for the evidence lists narrowed by columns (level, effect, subtype...).

Two materialized views beside ``evidence_evidencecount``, refreshed with it (same lock,
same staleness state, ``evidence/models/counts.py``):

* ``evidence_evidencecount_cube``: the accepted items grouped by every column a facet
  or filter reads (therapy class, effect, level, subtype, evidence type, vesicle
  involvement, cancer type, whether drug response was measured), a few thousand rows
  at 100,000 items. Any list narrowed only by those columns has its size and every
  column facet as a sum of these rows.
* ``evidence_evidencecount_keys``: per value of one of those columns, how many accepted
  items carry each facet key (``drug:...``, ``cargo:...``, ``cargo_type:...``,
  ``mechanism:...``, migration 0025). A list narrowed by one column (``level=D``, half
  the items) has its drug, cargo, cargo kind and mechanism facets as a sum of them.

Their names start with the counts view's, so the test suite's "refresh stale counts on
read" wrapper refreshes them too. New triggers mark the counts stale when an item's
other columns change and whenever facet keys are written (a drug renamed).
"""

from django.db import migrations

COLUMNS = ("therapy_class_id", "effect", "level", "subtype", "evidence_type", "vesicle_involvement",
           "cancer_type_id", "drug_response_measured")  # fmt: skip
#: The columns a single-column list is narrowed by, as the keys view names them.
KEYED = ("therapy_class_id", "effect", "level", "subtype", "evidence_type", "vesicle_involvement")

CUBE = f"""
CREATE MATERIALIZED VIEW evidence_evidencecount_cube AS
SELECT coalesce(therapy_class_id, 0) AS therapy_class_id, effect, level, subtype, evidence_type,
       vesicle_involvement, coalesce(cancer_type_id, 0) AS cancer_type_id, drug_response_measured,
       count(*)::integer AS n
  FROM evidence_evidence
 WHERE status = 'accepted'
 GROUP BY {", ".join(COLUMNS)};
-- REFRESH ... CONCURRENTLY needs a unique index on plain columns.
CREATE UNIQUE INDEX evidencecount_cube_key ON evidence_evidencecount_cube ({", ".join(COLUMNS)});
"""

KEYS = f"""
CREATE MATERIALIZED VIEW evidence_evidencecount_keys AS
WITH item AS MATERIALIZED (
    SELECT e.id, {", ".join(f"e.{c}" for c in KEYED)}, k.key
      FROM evidence_evidence e
      JOIN evidence_facet_keys f ON f.evidence_id = e.id
     CROSS JOIN unnest(f.keys) AS k(key)
     WHERE e.status = 'accepted'
)
SELECT column_name::varchar(24) AS column_name, value, key, count(*)::integer AS n
  FROM item
 CROSS JOIN LATERAL (VALUES {", ".join(f"('{c}', item.{c}::text)" for c in KEYED)}) AS v(column_name, value)
 WHERE value IS NOT NULL
 GROUP BY column_name, value, key
 ORDER BY column_name, value, key;
CREATE UNIQUE INDEX evidencecount_keys_key ON evidence_evidencecount_keys (column_name, value, key);
"""

TRIGGERS = """
CREATE TRIGGER evidence_counts_cube_changed AFTER
    UPDATE OF subtype, evidence_type, vesicle_involvement, cancer_type_id, drug_response_measured
    ON evidence_evidence FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON evidence_facet_keys FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
"""

DROP = """
DROP TRIGGER evidence_counts_changed ON evidence_facet_keys;
DROP TRIGGER evidence_counts_cube_changed ON evidence_evidence;
DROP MATERIALIZED VIEW evidence_evidencecount_keys;
DROP MATERIALIZED VIEW evidence_evidencecount_cube;
"""


class Migration(migrations.Migration):
    dependencies = [("evidence", "0026_api_documents")]

    operations = [
        migrations.RunSQL(
            CUBE + KEYS + TRIGGERS + "ANALYZE evidence_evidencecount_cube; ANALYZE evidence_evidencecount_keys;", DROP
        )
    ]
