"""The search document holds every broader class of a linked drug's classes, not only the
classes themselves: ``q=antimetabolites`` finds the 5-FU items (5-FU is filed under
pyrimidine analogues, under antimetabolites), as ``drug=antimetabolites`` lists them.

The SQL is 0016's document function with the class part reading a class scope (each class
with itself and every class above it), and 0016's trigger on classes, which now also
watches ``parent`` and refreshes the items of every class below a changed one.
"""

import importlib

from django.db import migrations

_0016 = importlib.import_module("evidence.migrations.0016_mechanism_synonyms_search")

BEFORE_ITEMS = "), items AS MATERIALIZED ("
CLASS_SCOPE = """), class_scope(id, above) AS (
    -- Every drug class with itself and each broader class (UNION: a cycle cannot loop).
    SELECT id, id FROM evidence_drugclass
    UNION
    SELECT s.id, c.parent_id FROM class_scope s JOIN evidence_drugclass c ON c.id = s.above
     WHERE c.parent_id IS NOT NULL
), items AS MATERIALIZED ("""
OWN_CLASSES = "JOIN evidence_drug_classes dl ON dl.drug_id = l.drug_id JOIN evidence_drugclass dc ON dc.id = dl.drugclass_id"
ALL_CLASSES = """JOIN evidence_drug_classes dl ON dl.drug_id = l.drug_id
      JOIN class_scope s ON s.id = dl.drugclass_id JOIN evidence_drugclass dc ON dc.id = s.above"""

REFRESH_BEFORE = _0016.SEARCH_SQL.split("\n\n\n-- A mechanism's")[0]
assert REFRESH_BEFORE.count(BEFORE_ITEMS) == 1 and REFRESH_BEFORE.count(OWN_CLASSES) == 1
REFRESH = REFRESH_BEFORE.replace(BEFORE_ITEMS, CLASS_SCOPE).replace(OWN_CLASSES, ALL_CLASSES)

_start = _0016.SEARCH_SQL.index("CREATE FUNCTION evidence_drugclass_search_update()")
TRIGGER_BEFORE = _0016.SEARCH_SQL[_start : _0016.SEARCH_SQL.index("CREATE TRIGGER evidence_drugclass_search_update")]
TRIGGER_BEFORE = TRIGGER_BEFORE.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
TRIGGER = """CREATE OR REPLACE FUNCTION evidence_drugclass_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A renamed or moved class changes the documents of its drugs' items and of every
    -- narrower class's.
    PERFORM exoresist_search_refresh(ARRAY(
        WITH RECURSIVE changed(id) AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.name, n.synonyms, n.atc, n.parent_id) IS DISTINCT FROM (o.name, o.synonyms, o.atc, o.parent_id)
            UNION
            SELECT c.id FROM evidence_drugclass c JOIN changed ON c.parent_id = changed.id
        )
        SELECT DISTINCT l.evidence_id FROM evidence_evidence_drugs l
          JOIN evidence_drug_classes dl ON dl.drug_id = l.drug_id
         WHERE dl.drugclass_id IN (SELECT id FROM changed)));
    RETURN NULL;
END $$;
"""
# Only items with a drug in a class that has a broader one gain words.
REFRESH_NESTED = """
SELECT exoresist_search_refresh(ARRAY(
    SELECT DISTINCT l.evidence_id FROM evidence_evidence_drugs l
      JOIN evidence_drug_classes dl ON dl.drug_id = l.drug_id
      JOIN evidence_drugclass dc ON dc.id = dl.drugclass_id
     WHERE dc.parent_id IS NOT NULL));
"""


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0030_mechanism_facet_scope"),
    ]

    operations = [
        migrations.RunSQL(
            REFRESH + "\n" + TRIGGER + REFRESH_NESTED,
            REFRESH_BEFORE + "\n" + TRIGGER_BEFORE + REFRESH_NESTED,
        ),
    ]
