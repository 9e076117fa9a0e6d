"""``q`` becomes a full-text search whose document PostgreSQL keeps.

Until here ``Evidence.search_text`` was composed by signals, by a Python twin for bulk
writes and by ``refresh_search_text()`` calls that every other writer had to remember.
Now ``evidence_search`` holds one weighted ``tsvector`` per item, written by
``exoresist_search_refresh(ids)``; statement triggers (with transition tables) on every
table the document reads call it for the items a statement touched, in the writer's
own transaction, whoever writes (ORM, ``update()``, COPY, raw SQL, ``loaddata``).

The document, by weight:
  A  every name of the linked drugs, cargos (symbol, full name), source and recipient
     cells (with their aliases), mechanisms (and the broader term of each, as the
     mechanism filter includes narrower terms) and the therapy class
  B  the statement and the citation's title
  C  the supporting quote, how the review cited it, the experimental systems, the
     cancer type, the citation's authors and journal
  D  the citation's year, DOI, PMID and PMCID
Each part twice: stemmed (``exoresist_stem``: English, accents removed) for whole
words ("exosomes" finds "exosomal"), and unstemmed (``exoresist_words``) for the
word being typed ("resista" finds "resistance"). The lookup keys of every linked name
(``k=<key>``, ``b=<base>``, see ``identifiers.lookup_keys``) are whole lexemes, so
that "mcf7" finds MCF-7 as the name filters do.

Words are cut at ASCII punctuation and Unicode dashes, quotes and spaces before the
parser sees them (``exoresist_search_words``), so "MCF-7/ADR", "hsa-miR-155-5p" and
a DOI are plain words, never the parser's file paths, versions or numbers.

The SQL is written out so that this migration means the same whatever later code says.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

SEPARATORS = r"[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u00a0\u2000-\u206f\u2212]+"

SETUP = rf"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TEXT SEARCH CONFIGURATION exoresist_stem (COPY = english);
ALTER TEXT SEARCH CONFIGURATION exoresist_stem
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION exoresist_words (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION exoresist_words
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, simple;

CREATE FUNCTION exoresist_search_words(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT regexp_replace(coalesce(value, ''), E'{SEPARATORS}', ' ', 'g') $$;

CREATE FUNCTION exoresist_search_part(value text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT setweight(to_tsvector('exoresist_stem', exoresist_search_words(value)), weight)
       || setweight(to_tsvector('exoresist_words', exoresist_search_words(value)), weight) $$;

CREATE TABLE evidence_search (
    evidence_id bigint PRIMARY KEY REFERENCES evidence_evidence (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED,
    document tsvector NOT NULL
);
CREATE INDEX evidence_search_document ON evidence_search USING gin (document);

CREATE FUNCTION exoresist_search_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
-- Joins rather than "= ANY(ids)": a bulk statement passes 100,000 ids, and hash joins
-- read each link table once.
WITH items AS MATERIALIZED (
    SELECT e.id, e.statement, e.source_quote, e.cited_as, e.experimental_systems, e.cancer_type,
           e.citation_id, e.source_cell_id, e.recipient_cell_id, e.therapy_class_id
      FROM evidence_evidence e JOIN (SELECT DISTINCT unnest(ids) AS id) AS wanted ON wanted.id = e.id
), names AS (
    SELECT l.evidence_id AS eid, d.name AS n, d.key, d.base
      FROM items i JOIN evidence_evidence_drugs l ON l.evidence_id = i.id JOIN evidence_drug d ON d.id = l.drug_id
    UNION ALL
    SELECT l.evidence_id, a.name, a.key, a.base
      FROM items i JOIN evidence_evidence_drugs l ON l.evidence_id = i.id
      JOIN evidence_drugalias a ON a.entity_id = l.drug_id
    UNION ALL
    SELECT l.evidence_id, g.symbol || ' ' || g.name, g.key, g.base
      FROM items i JOIN evidence_evidence_cargos l ON l.evidence_id = i.id JOIN evidence_cargo g ON g.id = l.cargo_id
    UNION ALL
    SELECT l.evidence_id, a.name, a.key, a.base
      FROM items i JOIN evidence_evidence_cargos l ON l.evidence_id = i.id
      JOIN evidence_cargoalias a ON a.entity_id = l.cargo_id
    UNION ALL
    SELECT l.evidence_id, concat_ws(' ', m.name, broader.name), '', ''
      FROM items i JOIN evidence_evidence_mechanisms l ON l.evidence_id = i.id
      JOIN evidence_mechanism m ON m.id = l.mechanism_id
      LEFT JOIN evidence_mechanism broader ON broader.id = m.parent_id
    UNION ALL
    SELECT i.id, c.name, c.key, c.base
      FROM items i JOIN evidence_cell c ON c.id IN (i.source_cell_id, i.recipient_cell_id)
    UNION ALL
    SELECT i.id, a.name, a.key, a.base
      FROM items i JOIN evidence_cellalias a ON a.entity_id IN (i.source_cell_id, i.recipient_cell_id)
    UNION ALL
    SELECT i.id, t.name, '', '' FROM items i JOIN evidence_therapyclass t ON t.id = i.therapy_class_id
), per_item AS (
    SELECT eid, string_agg(n, ' ') AS names,
           array_agg(DISTINCT 'k=' || key) FILTER (WHERE key <> '')
           || array_agg(DISTINCT 'b=' || base) FILTER (WHERE base <> '') AS keys
      FROM names GROUP BY eid
)
INSERT INTO evidence_search AS s (evidence_id, document)
SELECT i.id,
       exoresist_search_part(p.names, 'A')
       || exoresist_search_part(concat_ws(' ', i.statement, c.title), 'B')
       || exoresist_search_part(concat_ws(' ', i.source_quote, i.cited_as, i.experimental_systems,
                                          i.cancer_type, c.author_string, c.journal), 'C')
       || exoresist_search_part(concat_ws(' ', c.year, c.doi, c.pmid, c.pmcid), 'D')
       || coalesce(array_to_tsvector(p.keys), ''::tsvector)
  FROM items i
  JOIN evidence_citation c ON c.id = i.citation_id
  LEFT JOIN per_item p ON p.eid = i.id
    ON CONFLICT (evidence_id) DO UPDATE SET document = EXCLUDED.document
     WHERE s.document IS DISTINCT FROM EXCLUDED.document
$$;
"""

#: (table, trigger suffix, events, the evidence ids a statement touched). ``changed``
#: is the rows whose watched columns differ (UPDATE) or every row (INSERT, DELETE).
SOURCES = [
    ("evidence_evidence", "id", ["statement", "source_quote", "cited_as", "experimental_systems", "cancer_type",
                                  "citation_id", "source_cell_id", "recipient_cell_id", "therapy_class_id"],
     "SELECT id FROM changed"),
    ("evidence_evidence_drugs", "link", [], "SELECT evidence_id FROM changed"),
    ("evidence_evidence_cargos", "link", [], "SELECT evidence_id FROM changed"),
    ("evidence_evidence_mechanisms", "link", [], "SELECT evidence_id FROM changed"),
    ("evidence_drug", "entity", ["name", "key", "base"],
     "SELECT evidence_id FROM evidence_evidence_drugs WHERE drug_id IN (SELECT id FROM changed)"),
    ("evidence_cargo", "entity", ["symbol", "name", "key", "base"],
     "SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN (SELECT id FROM changed)"),
    ("evidence_mechanism", "entity", ["name", "parent_id"],
     "SELECT evidence_id FROM evidence_evidence_mechanisms WHERE mechanism_id IN (SELECT id FROM changed)"
     " OR mechanism_id IN (SELECT m.id FROM evidence_mechanism m WHERE m.parent_id IN (SELECT id FROM changed))"),
    ("evidence_cell", "entity", ["name", "key", "base"],
     "SELECT id FROM evidence_evidence WHERE source_cell_id IN (SELECT id FROM changed)"
     " OR recipient_cell_id IN (SELECT id FROM changed)"),
    ("evidence_therapyclass", "entity", ["name"],
     "SELECT id FROM evidence_evidence WHERE therapy_class_id IN (SELECT id FROM changed)"),
    ("evidence_citation", "entity", ["title", "author_string", "journal", "year", "doi", "pmid", "pmcid"],
     "SELECT id FROM evidence_evidence WHERE citation_id IN (SELECT id FROM changed)"),
    ("evidence_drugalias", "alias", ["name", "key", "base", "entity_id"],
     "SELECT evidence_id FROM evidence_evidence_drugs WHERE drug_id IN (SELECT entity_id FROM changed)"),
    ("evidence_cargoalias", "alias", ["name", "key", "base", "entity_id"],
     "SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN (SELECT entity_id FROM changed)"),
    ("evidence_cellalias", "alias", ["name", "key", "base", "entity_id"],
     "SELECT id FROM evidence_evidence WHERE source_cell_id IN (SELECT entity_id FROM changed)"
     " OR recipient_cell_id IN (SELECT entity_id FROM changed)"),
]  # fmt: skip


def _events(kind: str) -> list[str]:
    # An entity's own insert or delete changes no document: its links come and go with
    # their own statements. Evidence rows are inserted (a new document) and updated.
    return {"id": ["INSERT", "UPDATE"], "link": ["INSERT", "DELETE"], "entity": ["UPDATE"],
            "alias": ["INSERT", "UPDATE", "DELETE"]}[kind]  # fmt: skip


def _triggers() -> str:
    sql = []
    for table, kind, watched, touched in SOURCES:
        for event in _events(kind):
            name = f"{table}_search_{event.lower()}"
            if event == "UPDATE" and watched:
                new = ", ".join(f"n.{c}" for c in watched)
                old = ", ".join(f"o.{c}" for c in watched)
                key = "entity_id" if kind == "alias" else "id"
                changed = (
                    f"SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE ({new}) IS DISTINCT FROM ({old})"
                )
                if kind == "alias":
                    # An alias moved to another entity changes the documents of both.
                    changed += f" UNION ALL SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.{key} <> o.{key}"
                referencing = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
            else:
                rows = "old_rows" if event == "DELETE" else "new_rows"
                changed = f"SELECT * FROM {rows}"
                referencing = f"REFERENCING {'OLD' if event == 'DELETE' else 'NEW'} TABLE AS {rows}"
            sql.append(f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM exoresist_search_refresh(ARRAY(
        WITH changed AS ({changed}) SELECT DISTINCT touched.id FROM ({touched}) AS touched(id)));
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
""")
    return "\n".join(sql)


def _drop_triggers() -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_search_{event.lower()} ON {table};"
        f" DROP FUNCTION IF EXISTS {table}_search_{event.lower()}();"
        for table, kind, _, _ in SOURCES
        for event in _events(kind)
    )


FORWARD = (
    SETUP
    + _triggers()
    + """
SELECT exoresist_search_refresh(ARRAY(SELECT id FROM evidence_evidence));
ANALYZE evidence_search;
DROP INDEX IF EXISTS evidence_search_vector;
ALTER TABLE evidence_evidence DROP COLUMN IF EXISTS search_vector;
"""
)

BACKWARD = (
    _drop_triggers()
    + """
DROP FUNCTION exoresist_search_refresh(bigint[]);
DROP TABLE evidence_search;
DROP FUNCTION exoresist_search_part(text, "char");
DROP FUNCTION exoresist_search_words(text);
DROP TEXT SEARCH CONFIGURATION exoresist_words;
DROP TEXT SEARCH CONFIGURATION exoresist_stem;
"""
)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0012_counts_materialized_view")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveField(model_name="evidence", name="search_text"),
        # The table is the SQL's above (its foreign key cascades in the database); Django
        # knows the model so that a flush truncates it with the evidence.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EvidenceSearch",
                    fields=[
                        (
                            "evidence",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="search_document",
                                serialize=False,
                                to="evidence.evidence",
                            ),
                        ),
                        ("document", django.contrib.postgres.search.SearchVectorField()),
                    ],
                    options={"db_table": "evidence_search"},
                ),
            ]
        ),
        migrations.AlterModelTable(name="evidencecount", table="evidence_evidencecount"),
    ]
