"""The accepted-evidence counts become a materialized view that PostgreSQL computes.

The table of 0007-0011 was kept current by signals and by every bulk writer calling
refresh_counts() by hand; anything else (QuerySet.update(), raw SQL) left it wrong.
Here the counts are one query (the view below), refreshed CONCURRENTLY by
evidence.models.counts.refresh_counts(). Statement triggers on every table the view
reads mark it stale in the writer's own transaction, whoever writes.

The SQL is written out (not built from today's code) so that this migration means
the same thing whatever later code says.
"""

from django.db import migrations, models

VIEW = """
CREATE MATERIALIZED VIEW evidence_evidencecount AS
WITH accepted AS MATERIALIZED (
    SELECT id, effect, level, therapy_class_id, citation_id, source_cell_id, recipient_cell_id
      FROM evidence_evidence
     WHERE status = 'accepted'
), drug AS MATERIALIZED (
    SELECT l.evidence_id, l.drug_id AS id, e.effect
      FROM evidence_evidence_drugs l JOIN accepted e ON e.id = l.evidence_id
), cargo AS MATERIALIZED (
    SELECT l.evidence_id, l.cargo_id AS id, e.effect
      FROM evidence_evidence_cargos l JOIN accepted e ON e.id = l.evidence_id
), mechanism AS MATERIALIZED (
    SELECT l.evidence_id, l.mechanism_id AS id, e.effect
      FROM evidence_evidence_mechanisms l JOIN accepted e ON e.id = l.evidence_id
), scope AS MATERIALIZED (
    -- A mechanism's scope is the term and its direct children: an item naming a child
    -- counts for the child and for its parent, once.
    SELECT evidence_id, id, effect FROM mechanism
    UNION
    SELECT l.evidence_id, m.parent_id AS id, l.effect
      FROM mechanism l JOIN evidence_mechanism m ON m.id = l.id
     WHERE m.parent_id IS NOT NULL
), cargo_kind AS MATERIALIZED (
    -- A kind as a number (evidence.models.counts.cargo_kind_code): the first 32 bits of
    -- the md5 of its value. DISTINCT: an item carrying two miRNAs counts once for miRNA.
    SELECT DISTINCT l.evidence_id, ('x' || substr(md5(c.kind), 1, 8))::bit(32)::bigint AS id, l.effect
      FROM cargo l JOIN evidence_cargo c ON c.id = l.id
), keys (kind, a, b, effect) AS (
    SELECT 'drug'::text AS kind, id AS a, 0::bigint AS b, effect FROM drug
    UNION ALL SELECT 'cargo'::text AS kind, id AS a, 0 AS b, effect FROM cargo
    UNION ALL SELECT 'mechanism'::text AS kind, id AS a, 0 AS b, effect FROM mechanism
    UNION ALL SELECT 'scope'::text AS kind, id AS a, 0 AS b, effect FROM scope
    UNION ALL SELECT 'therapy_class'::text AS kind, therapy_class_id AS a, 0 AS b, effect FROM accepted
    UNION ALL SELECT 'citation'::text AS kind, citation_id AS a, 0 AS b, effect FROM accepted
    UNION ALL SELECT 'source_cell'::text AS kind, source_cell_id AS a, 0 AS b, effect FROM accepted
    UNION ALL SELECT 'recipient_cell'::text AS kind, recipient_cell_id AS a, 0 AS b, effect FROM accepted
    UNION ALL SELECT 'cargo_drug'::text AS kind, c.id AS a, d.id AS b, c.effect
      FROM cargo c JOIN drug d USING (evidence_id)
    UNION ALL SELECT 'drug_mechanism'::text AS kind, d.id AS a, m.id AS b, d.effect
      FROM drug d JOIN mechanism m USING (evidence_id)
    UNION ALL SELECT 'drug_scope'::text AS kind, d.id AS a, s.id AS b, d.effect
      FROM drug d JOIN scope s USING (evidence_id)
    UNION ALL SELECT 'cargo_mechanism'::text AS kind, c.id AS a, m.id AS b, c.effect
      FROM cargo c JOIN mechanism m USING (evidence_id)
    UNION ALL SELECT 'class_mechanism'::text AS kind, e.therapy_class_id AS a, m.id AS b, e.effect
      FROM accepted e JOIN mechanism m ON m.evidence_id = e.id
    UNION ALL SELECT 'class_scope'::text AS kind, e.therapy_class_id AS a, s.id AS b, e.effect
      FROM accepted e JOIN scope s ON s.evidence_id = e.id
    UNION ALL SELECT 'class_cargo_kind'::text AS kind, e.therapy_class_id AS a, k.id AS b, e.effect
      FROM accepted e JOIN cargo_kind k ON k.evidence_id = e.id
    -- A level as a number: its letter's code point (A: 65).
    UNION ALL SELECT 'drug_level'::text AS kind, d.id AS a, ascii(e.level)::bigint AS b, e.effect
      FROM accepted e JOIN drug d ON d.evidence_id = e.id
), per_effect AS MATERIALIZED (
    -- Hashed, not sorted: GROUPING SETS sorted the two million keys of 100,000 items.
    SELECT kind, a, b, effect, count(*)::integer AS n
      FROM keys
     WHERE a IS NOT NULL AND b IS NOT NULL
     GROUP BY kind, a, b, effect
)
-- One row per key and effect, and one per key for all effects together (effect ''): an
-- item has one effect, so that row is the sum of the others.
SELECT kind::varchar(20) AS kind, a, b, effect::varchar(24) AS effect, n FROM per_effect
UNION ALL
SELECT kind::varchar(20) AS kind, a, b, ''::varchar(24) AS effect, sum(n)::integer AS n
  FROM per_effect
 GROUP BY kind, a, b
-- Stored in key order, as the table it replaced was filled: an entity's rows share pages
-- (without it the drug page and the network read 30-70 % slower at 100,000 items).
 ORDER BY kind, a, b, effect
"""

INDEXES = """
-- REFRESH ... CONCURRENTLY needs a unique index on plain columns.
CREATE UNIQUE INDEX evidencecount_key ON evidence_evidencecount (kind, a, b, effect);
-- "By cargo" on a drug page reads a pair kind by its second entity.
CREATE INDEX evidencecount_kind_b ON evidence_evidencecount (kind, b, a);
-- The network's strongest edges: the largest all-effects counts of a kind.
CREATE INDEX evidencecount_kind_n ON evidence_evidencecount (kind, effect, n DESC);
-- The all-effects rows by second entity, counts included: a drug page counts its cargo
-- pairs and a level's drugs are summed from the index alone.
CREATE INDEX evidencecount_all_effects_b ON evidence_evidencecount (kind, b, a, n) WHERE effect = '';
"""

STALENESS = """
-- Two numbers: 'changed', bumped by every statement that writes a table the view reads
-- (in the writer's own transaction, so a refresh never counts an uncommitted write as
-- seen), and 'counted', the value of 'changed' the view was last refreshed at. Two rows,
-- so that writers (who lock 'changed' until they commit) never wait for a refresher.
CREATE TABLE evidence_countsstate (
    name text PRIMARY KEY CHECK (name IN ('changed', 'counted')),
    value bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO evidence_countsstate (name, value) VALUES ('changed', 0), ('counted', 0);

CREATE FUNCTION evidence_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE evidence_countsstate SET value = value + 1, at = now() WHERE name = 'changed';
    RETURN NULL;
END $$;

CREATE TRIGGER evidence_counts_changed AFTER INSERT OR DELETE OR TRUNCATE OR
    UPDATE OF status, effect, level, therapy_class_id, citation_id, source_cell_id, recipient_cell_id
    ON evidence_evidence FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON evidence_evidence_drugs FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON evidence_evidence_cargos FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON evidence_evidence_mechanisms FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF kind
    ON evidence_cargo FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF parent_id
    ON evidence_mechanism FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
"""

DROP_STALENESS = """
DROP TRIGGER evidence_counts_changed ON evidence_evidence;
DROP TRIGGER evidence_counts_changed ON evidence_evidence_drugs;
DROP TRIGGER evidence_counts_changed ON evidence_evidence_cargos;
DROP TRIGGER evidence_counts_changed ON evidence_evidence_mechanisms;
DROP TRIGGER evidence_counts_changed ON evidence_cargo;
DROP TRIGGER evidence_counts_changed ON evidence_mechanism;
DROP FUNCTION evidence_counts_changed();
DROP TABLE evidence_countsstate;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0011_counts_all_effects_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP TABLE evidence_evidencecount;" + VIEW + ";" + INDEXES + "ANALYZE evidence_evidencecount;",
                    # Back to an empty table of 0011's shape; `manage.py refresh_counts` refills it there.
                    "DROP MATERIALIZED VIEW evidence_evidencecount;"
                    "CREATE TABLE evidence_evidencecount (id bigserial PRIMARY KEY, kind varchar(20) NOT NULL,"
                    " a bigint NOT NULL, b bigint NOT NULL, effect varchar(24) NOT NULL, n integer NOT NULL"
                    " CHECK (n >= 0));" + INDEXES,
                ),
                migrations.RunSQL(STALENESS, DROP_STALENESS),
            ],
            state_operations=[
                migrations.RemoveConstraint(model_name="evidencecount", name="evidencecount_key"),
                migrations.RemoveIndex(model_name="evidencecount", name="evidencecount_kind_b"),
                migrations.RemoveIndex(model_name="evidencecount", name="evidencecount_kind_n"),
                migrations.RemoveIndex(model_name="evidencecount", name="evidencecount_all_effects_b"),
                migrations.AlterModelOptions(name="evidencecount", options={"managed": False}),
            ],
        ),
    ]
