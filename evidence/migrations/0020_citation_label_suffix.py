"""Telling papers apart: "Liu et al. (2023a)" and "(2023b)".

Two citations share an in-text label when their year, first author's family name and
what follows it ("et al.", a second author, nothing) agree; ``exoresist_label_suffix``
gives each such citation its letter, in title order. Computed by PostgreSQL from the
rows themselves, so no write path has to keep a stored letter current; the expression
index makes it an index probe per citation.
"""

from django.db import migrations

LABEL_KEY = """
CREATE OR REPLACE FUNCTION exoresist_label_key(authors jsonb, truncated boolean, year integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(year::text, 'n.d.') || '|' ||
    CASE WHEN jsonb_typeof(authors) <> 'array' OR jsonb_array_length(authors) = 0 THEN '|'
    ELSE btrim(split_part(authors->>0, ',', 1)) || '|' ||
      CASE WHEN truncated OR jsonb_array_length(authors) > 2 THEN '+'
           WHEN jsonb_array_length(authors) = 2 THEN btrim(split_part(authors->>1, ',', 1))
           ELSE '' END
    END
$$;
CREATE INDEX evidence_citation_label_key ON evidence_citation
  (exoresist_label_key(authors, authors_truncated, year), title, id);
CREATE OR REPLACE FUNCTION exoresist_label_suffix(citation_id bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN total < 2 THEN '' WHEN n < 26 THEN chr(97 + n) ELSE '-' || (n + 1)::text END
  FROM (
    SELECT count(*) AS total, (count(*) FILTER (WHERE (o.title, o.id) < (c.title, c.id)))::int AS n
    FROM evidence_citation c
    JOIN evidence_citation o
      ON exoresist_label_key(o.authors, o.authors_truncated, o.year)
       = exoresist_label_key(c.authors, c.authors_truncated, c.year)
    WHERE c.id = citation_id
    GROUP BY c.id
  ) AS counted
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS exoresist_label_suffix(bigint);
DROP INDEX IF EXISTS evidence_citation_label_key;
DROP FUNCTION IF EXISTS exoresist_label_key(jsonb, boolean, integer);
"""


class Migration(migrations.Migration):
    dependencies = [("evidence", "0019_drug_roles")]

    operations = [migrations.RunSQL(LABEL_KEY, DROP)]
