"""Papers are lettered ("2023a", "2023b") exactly when ``short_label`` writes the same label.

0020's ``exoresist_label_key`` groups papers in SQL; ``short_label`` writes the label in
Python. They disagreed on three edge cases, so two papers could be lettered apart under two
different labels, or share one label unlettered:
- a truncated list of no author is "Anon. et al.", not "Anon.";
- year 0 is "n.d.", as no year is;
- a surname is trimmed of every whitespace character, not only spaces.
The function is replaced and its expression index rebuilt.
"""

import importlib

from django.db import migrations

_0020 = importlib.import_module("evidence.migrations.0020_citation_label_suffix")

TRIM = r"E' \t\n\r\f' || chr(11)"
LABEL_KEY = f"""
CREATE OR REPLACE FUNCTION exoresist_label_key(authors jsonb, truncated boolean, year integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(nullif(year, 0)::text, 'n.d.') || '|' ||
    CASE WHEN jsonb_typeof(authors) <> 'array' OR jsonb_array_length(authors) = 0
         THEN '|' || CASE WHEN truncated THEN '+' ELSE '' END
    ELSE btrim(split_part(authors->>0, ',', 1), {TRIM}) || '|' ||
      CASE WHEN truncated OR jsonb_array_length(authors) > 2 THEN '+'
           WHEN jsonb_array_length(authors) = 2 THEN btrim(split_part(authors->>1, ',', 1), {TRIM})
           ELSE '' END
    END
$$;
REINDEX INDEX evidence_citation_label_key;
"""
BEFORE = _0020.LABEL_KEY.split("CREATE INDEX")[0] + "REINDEX INDEX evidence_citation_label_key;\n"


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0032_greek_letter_keys"),
    ]

    operations = [migrations.RunSQL(LABEL_KEY, BEFORE)]
