"""Each item's API document, kept ready by PostgreSQL, so that an API read is a lookup.

``evidence_document`` holds, per item, what ``/api/v1/evidence/`` shows of it, as JSON
text in the API's field order, with two things left for the request to fill in (see
``evidence/api/documents.py``):

* links are written as paths (``"url" : "/api/v1/drugs/doxorubicin/"``) and made
  absolute with the request's scheme and host;
* a citation's label is written without the letter that tells it from other papers
  with the same in-text label ("Liu et al. (2023)", not "(2023b)"): the letters depend
  on every other citation, so they are added on reading (``label_letters()``).

Everything else is the item's own rows and the names they point to.
``exoresist_document(ids)`` builds the documents; ``exoresist_document_refresh(ids)``
stores them. Statement triggers (with transition tables) on the items, their link
tables and every field the documents show of a drug, cargo, cell, mechanism, therapy
class, cancer type or citation call it in the writer's own transaction, whoever writes
(the ORM, ``update()``, raw SQL, ``loaddata``). A deleted item's row goes with it.

The SQL is written out so that this migration means the same whatever later code says;
``tests/api/test_documents.py`` checks its paths against the URL configuration.
"""

import django.db.models.deletion
from django.db import migrations, models

SETUP = r"""
CREATE TABLE evidence_document (
    evidence_id bigint PRIMARY KEY REFERENCES evidence_evidence (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED,
    document text NOT NULL
);

-- A time as the API writes it (ISO 8601 in UTC, "Z", microseconds only when there are any).
CREATE FUNCTION exoresist_api_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || CASE WHEN extract(microseconds FROM t)::bigint % 1000000 = 0 THEN ''
              ELSE to_char(t AT TIME ZONE 'UTC', '.US') END
      || 'Z'
$$;

-- An author's family name from "Family, Given", blanks trimmed.
CREATE FUNCTION exoresist_surname(author text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT btrim(split_part(author, ',', 1), E' \t\n\r\f' || chr(11))
$$;

-- "Ning et al. (2017)": the in-text label without its letter (evidence/models/citation.py, short_label).
CREATE FUNCTION exoresist_short_label(authors jsonb, truncated boolean, year integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT concat_ws(' ',
      coalesce(nullif(exoresist_surname(authors->>0), ''), 'Anon.'),
      CASE WHEN n = 2 AND NOT truncated THEN 'and ' || exoresist_surname(authors->>1)
           WHEN n > 2 OR truncated THEN 'et al.' END)
      || ' (' || coalesce(nullif(year, 0)::text, 'n.d.') || ')'
    FROM (SELECT CASE WHEN jsonb_typeof(authors) = 'array' THEN jsonb_array_length(authors) ELSE 0 END AS n) AS size
$$;

CREATE FUNCTION exoresist_citation_ref(c evidence_citation) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT json_build_object(
      'id', c.id, 'doi', c.doi, 'pmid', c.pmid, 'title', c.title, 'journal', c.journal, 'year', c.year,
      'retracted', c.retracted, 'notice', c.notice,
      'label', exoresist_short_label(c.authors, c.authors_truncated, c.year),
      'url', '/api/v1/citations/' || c.id || '/', 'html_url', '/citations/' || c.id || '/')
$$;

CREATE FUNCTION exoresist_entity_ref(route text, name_key text, name text, kind text, slug text) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN kind IS NULL
      THEN json_build_object(name_key, name, 'slug', slug,
                             'url', '/api/v1/' || route || '/' || slug || '/', 'html_url', '/' || route || '/' || slug || '/')
      ELSE json_build_object(name_key, name, 'kind', kind, 'slug', slug,
                             'url', '/api/v1/' || route || '/' || slug || '/', 'html_url', '/' || route || '/' || slug || '/')
      END
$$;

CREATE FUNCTION exoresist_document(ids bigint[]) RETURNS TABLE (id bigint, document text)
LANGUAGE sql STABLE AS $$
SELECT e.id, json_build_object(
    'id', public_id,
    'url', '/api/v1/evidence/' || public_id || '/',
    'html_url', '/evidence/' || public_id || '/',
    'statement', e.statement,
    'cargos', coalesce((
        SELECT json_agg(exoresist_entity_ref('cargos', 'symbol', t.symbol, t.kind, t.slug) ORDER BY t.symbol, t.id)
          FROM evidence_evidence_cargos l JOIN evidence_cargo t ON t.id = l.cargo_id
         WHERE l.evidence_id = e.id), '[]'),
    'drugs', coalesce((
        SELECT json_agg(json_build_object(
                   'name', t.name, 'slug', t.slug, 'url', '/api/v1/drugs/' || t.slug || '/',
                   'html_url', '/drugs/' || t.slug || '/', 'role', l.role) ORDER BY t.name, t.id)
          FROM evidence_evidence_drugs l JOIN evidence_drug t ON t.id = l.drug_id
         WHERE l.evidence_id = e.id), '[]'),
    'therapy_class', CASE WHEN tc.id IS NOT NULL
        THEN exoresist_entity_ref('therapy-classes', 'name', tc.name, NULL, tc.slug) END,
    'mechanisms', coalesce((
        SELECT json_agg(exoresist_entity_ref('mechanisms', 'name', t.name, NULL, t.slug) ORDER BY t.name, t.id)
          FROM evidence_evidence_mechanisms l JOIN evidence_mechanism t ON t.id = l.mechanism_id
         WHERE l.evidence_id = e.id), '[]'),
    'source_cell', CASE WHEN sc.id IS NOT NULL THEN exoresist_entity_ref('cells', 'name', sc.name, sc.kind, sc.slug) END,
    'recipient_cell', CASE WHEN rc.id IS NOT NULL
        THEN exoresist_entity_ref('cells', 'name', rc.name, rc.kind, rc.slug) END,
    'effect', e.effect,
    'level', e.level,
    'evidence_type', e.evidence_type,
    'subtype', e.subtype,
    'cancer_type', ct.name,
    'cancer_type_ids', json_build_object('doid', ct.doid, 'ncit', ct.ncit),
    'experimental_systems', e.experimental_systems,
    'drug_response_measured', e.drug_response_measured,
    'vesicle_involvement', e.vesicle_involvement,
    'ev_type', e.ev_type,
    'ev_isolation', e.ev_isolation,
    'ev_markers', e.ev_markers,
    'citation', CASE WHEN c.id IS NOT NULL THEN exoresist_citation_ref(c) END,
    'retracted', c.retracted,
    'citation_notice', c.notice,
    'secondary_source', CASE WHEN s.id IS NOT NULL THEN exoresist_citation_ref(s) END,
    'cited_as', e.cited_as,
    'source_quote', e.source_quote,
    'status', e.status,
    'created', exoresist_api_time(e.created),
    'modified', exoresist_api_time(e.modified),
    'version', e.version)::text
  FROM evidence_evidence e
  CROSS JOIN LATERAL (SELECT 'EXR' || CASE WHEN e.id < 1000000 THEN lpad(e.id::text, 6, '0')
                                           ELSE e.id::text END AS public_id) AS named
  LEFT JOIN evidence_therapyclass tc ON tc.id = e.therapy_class_id
  LEFT JOIN evidence_cell sc ON sc.id = e.source_cell_id
  LEFT JOIN evidence_cell rc ON rc.id = e.recipient_cell_id
  LEFT JOIN evidence_cancertype ct ON ct.id = e.cancer_type_id
  LEFT JOIN evidence_citation c ON c.id = e.citation_id
  LEFT JOIN evidence_citation s ON s.id = e.secondary_source_id
 WHERE e.id = ANY(ids)
$$;

CREATE FUNCTION exoresist_document_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
INSERT INTO evidence_document AS d (evidence_id, document)
SELECT id, document FROM exoresist_document(ARRAY(SELECT DISTINCT unnest(ids)))
    ON CONFLICT (evidence_id) DO UPDATE SET document = EXCLUDED.document
     WHERE d.document IS DISTINCT FROM EXCLUDED.document
$$;
"""

LINKS = ("evidence_evidence_drugs", "evidence_evidence_cargos", "evidence_evidence_mechanisms")

#: (table, the columns documents show, the items whose documents show a changed row).
ENTITIES = (
    ("evidence_drug", "name, slug",
     "SELECT evidence_id FROM evidence_evidence_drugs WHERE drug_id IN (SELECT id FROM changed)"),
    ("evidence_cargo", "symbol, kind, slug",
     "SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN (SELECT id FROM changed)"),
    ("evidence_mechanism", "name, slug",
     "SELECT evidence_id FROM evidence_evidence_mechanisms WHERE mechanism_id IN (SELECT id FROM changed)"),
    ("evidence_cell", "name, kind, slug",
     "SELECT id FROM evidence_evidence WHERE source_cell_id IN (SELECT id FROM changed)"
     " UNION SELECT id FROM evidence_evidence WHERE recipient_cell_id IN (SELECT id FROM changed)"),
    ("evidence_therapyclass", "name, slug",
     "SELECT id FROM evidence_evidence WHERE therapy_class_id IN (SELECT id FROM changed)"),
    ("evidence_cancertype", "name, doid, ncit",
     "SELECT id FROM evidence_evidence WHERE cancer_type_id IN (SELECT id FROM changed)"),
    ("evidence_citation", "doi, pmid, title, journal, year, retracted, notice, authors, authors_truncated",
     "SELECT id FROM evidence_evidence WHERE citation_id IN (SELECT id FROM changed)"
     " UNION SELECT id FROM evidence_evidence WHERE secondary_source_id IN (SELECT id FROM changed)"),
)  # fmt: skip

BOTH = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"


def _trigger(table: str, event: str, referencing: str, touched: str) -> str:
    name = f"{table}_document_{event.lower()}"
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM exoresist_document_refresh(ARRAY({touched}));
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _events() -> list[tuple[str, str, str, str]]:
    """(table, event, REFERENCING clause, the items to refresh) for every trigger."""
    events = [
        ("evidence_evidence", "INSERT", "REFERENCING NEW TABLE AS new_rows", "SELECT id FROM new_rows"),
        ("evidence_evidence", "UPDATE", BOTH, "SELECT id FROM new_rows"),
    ]
    for table in LINKS:
        events += [
            (table, "INSERT", "REFERENCING NEW TABLE AS new_rows", "SELECT evidence_id FROM new_rows"),
            (table, "DELETE", "REFERENCING OLD TABLE AS old_rows", "SELECT evidence_id FROM old_rows"),
            (table, "UPDATE", BOTH, "SELECT evidence_id FROM old_rows UNION SELECT evidence_id FROM new_rows"),
        ]
    for table, shown, touched in ENTITIES:
        columns = [c.strip() for c in shown.split(",")]
        new = ", ".join(f"n.{c}" for c in columns)
        old = ", ".join(f"o.{c}" for c in columns)
        changed = f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE ({new}) IS DISTINCT FROM ({old})"
        events.append((table, "UPDATE", BOTH, f"WITH changed AS ({changed}) {touched}"))
    return events


FORWARD = (
    SETUP
    + "\n".join(_trigger(*event) for event in _events())
    + """
SELECT exoresist_document_refresh(ARRAY(SELECT id FROM evidence_evidence));
ANALYZE evidence_document;
"""
)

BACKWARD = (
    "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_document_{event.lower()} ON {table};"
        f" DROP FUNCTION IF EXISTS {table}_document_{event.lower()}();"
        for table, event, _, _ in _events()
    )
    + """
DROP FUNCTION exoresist_document_refresh(bigint[]);
DROP FUNCTION exoresist_document(bigint[]);
DROP FUNCTION exoresist_entity_ref(text, text, text, text, text);
DROP FUNCTION exoresist_citation_ref(evidence_citation);
DROP FUNCTION exoresist_short_label(jsonb, boolean, integer);
DROP FUNCTION exoresist_surname(text);
DROP FUNCTION exoresist_api_time(timestamptz);
DROP TABLE evidence_document;
"""
)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0025_facet_keys")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        # The table is the SQL's above; Django knows the model so that a flush truncates it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EvidenceDocument",
                    fields=[
                        (
                            "evidence",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="api_document",
                                serialize=False,
                                to="evidence.evidence",
                            ),
                        ),
                        ("document", models.TextField()),
                    ],
                    options={"db_table": "evidence_document"},
                ),
            ]
        ),
    ]
