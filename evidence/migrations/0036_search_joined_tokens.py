"""The search document also holds each token's words joined: "PD-L1" is also "pdl1",
"MCF-7/ADM" also "mcf7" and "mcf7adm". A statement that writes PD-L1 is then found by
q=PDL1, as one that writes PDL1 is found by q=PD-L1 (search.py joins a one-token query).
Before, the joined spelling found only items linked to an entity of that name.

The joined words are the token's leading words, two and more (``exoresist_search_joined``),
in the unstemmed configuration. Every document is written again.
"""

from django.db import migrations

JOINED = r"""
CREATE FUNCTION exoresist_search_joined(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT coalesce(string_agg(array_to_string(parts[1:n], ''), ' '), '')
  FROM (SELECT regexp_split_to_array(btrim(exoresist_search_words(token)), ' ') AS parts
          FROM regexp_split_to_table(coalesce(value, ''), E'\\s+') AS token) AS tokens,
       generate_series(2, coalesce(array_length(parts, 1), 0)) AS n
$$;
"""

PART = """
CREATE OR REPLACE FUNCTION exoresist_search_part(value text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT setweight(to_tsvector('exoresist_stem', exoresist_search_words(value)), weight)
       || setweight(to_tsvector('exoresist_words', exoresist_search_words(value)), weight){joined} $$;
"""
WITH_JOINED = "\n       || setweight(to_tsvector('exoresist_words', exoresist_search_joined(value)), weight)"

REFRESH = "SELECT exoresist_search_refresh(ARRAY(SELECT id FROM evidence_evidence));"

FORWARD = JOINED + PART.format(joined=WITH_JOINED) + REFRESH
BACKWARD = PART.format(joined="") + "DROP FUNCTION exoresist_search_joined(text);\n" + REFRESH


class Migration(migrations.Migration):
    dependencies = [("evidence", "0035_evidence_imported_content")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
