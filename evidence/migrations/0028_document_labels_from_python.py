"""API documents leave a citation's label empty: it is written on reading, by ``short_label``.

Migration 0026 wrote the label ("Ning et al. (2017)") in SQL, a second copy of
``evidence.models.citation.short_label`` that the HTML pages and exports use. The reader
(``evidence/api/documents.py``) now fills the label in, with its letter, from the
citation's authors and year, so the documents no longer read a citation's authors and a
change to them no longer rebuilds documents.
"""

from django.db import migrations

CITATION_REF = """
CREATE OR REPLACE FUNCTION exoresist_citation_ref(c evidence_citation) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT json_build_object(
      'id', c.id, 'doi', c.doi, 'pmid', c.pmid, 'title', c.title, 'journal', c.journal, 'year', c.year,
      'retracted', c.retracted, 'notice', c.notice, 'label', '',
      'url', '/api/v1/citations/' || c.id || '/', 'html_url', '/citations/' || c.id || '/')
$$;
"""

#: The citation columns a document shows: ``watched`` is what the update trigger compares.
TRIGGER = """
CREATE OR REPLACE FUNCTION evidence_citation_document_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM exoresist_document_refresh(ARRAY(
        WITH changed AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE ({new}) IS DISTINCT FROM ({old}))
        SELECT id FROM evidence_evidence WHERE citation_id IN (SELECT id FROM changed)
        UNION SELECT id FROM evidence_evidence WHERE secondary_source_id IN (SELECT id FROM changed)));
    RETURN NULL;
END $$;
"""


def _trigger(watched: tuple[str, ...]) -> str:
    return TRIGGER.format(new=", ".join(f"n.{c}" for c in watched), old=", ".join(f"o.{c}" for c in watched))


SHOWN = ("doi", "pmid", "title", "journal", "year", "retracted", "notice")

FORWARD = (
    CITATION_REF
    + _trigger(SHOWN)
    + """
DROP FUNCTION exoresist_short_label(jsonb, boolean, integer);
DROP FUNCTION exoresist_surname(text);
SELECT exoresist_document_refresh(ARRAY(SELECT id FROM evidence_evidence));
"""
)

BACKWARD = (
    """
CREATE FUNCTION exoresist_surname(author text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT btrim(split_part(author, ',', 1), E' \\t\\n\\r\\f' || chr(11))
$$;
CREATE FUNCTION exoresist_short_label(authors jsonb, truncated boolean, year integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT concat_ws(' ',
      coalesce(nullif(exoresist_surname(authors->>0), ''), 'Anon.'),
      CASE WHEN n = 2 AND NOT truncated THEN 'and ' || exoresist_surname(authors->>1)
           WHEN n > 2 OR truncated THEN 'et al.' END)
      || ' (' || coalesce(nullif(year, 0)::text, 'n.d.') || ')'
    FROM (SELECT CASE WHEN jsonb_typeof(authors) = 'array' THEN jsonb_array_length(authors) ELSE 0 END AS n) AS size
$$;
"""
    + CITATION_REF.replace("'label', ''", "'label', exoresist_short_label(c.authors, c.authors_truncated, c.year)")
    + _trigger((*SHOWN, "authors", "authors_truncated"))
    + "SELECT exoresist_document_refresh(ARRAY(SELECT id FROM evidence_evidence));"
)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0027_facet_cube")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
