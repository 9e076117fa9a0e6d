"""The search document holds an alias's ``k=`` lexeme only when its key is not its base, so
that the text search follows ``base.names_find``: "miR-155-3p" (``k=mir-155``, its base)
finds a record that gave no arm, never hsa-miR-155-5p by its arm-less alias "miR-155".

An alias whose key is its base (every name but a miRNA arm) is still found by its key, as
``b=<key>``, which every query of a key holds. Each document also holds its citation's id
(below). The SQL is 0031's document function with the three alias parts changed and that
lexeme added; every document is written again, once for both changes.
"""

import importlib

from django.db import migrations

_0031 = importlib.import_module("evidence.migrations.0031_drug_class_ancestry_search")

ALIAS_KEYS = "a.name, a.key, a.base"
assert _0031.REFRESH.count(ALIAS_KEYS) == 3
#: Each document also holds its citation as one lexeme, ``c=<citation id>``, so that a query for a
#: lettered label ("Chen 2018a") finds that paper's findings: the letters depend on the other
#: papers (``label_letters``) and are resolved when the query is read (``citation.lettered``).
KEYS = "|| coalesce(array_to_tsvector(p.keys), ''::tsvector)"
assert _0031.REFRESH.count(KEYS) == 1
REFRESH = _0031.REFRESH.replace(ALIAS_KEYS, "a.name, nullif(a.key, a.base), a.base").replace(
    KEYS, KEYS + "\n       || array_to_tsvector(ARRAY['c=' || c.id])"
)
EVERY = "\nSELECT exoresist_search_refresh(ARRAY(SELECT id FROM evidence_evidence));\n"


class Migration(migrations.Migration):
    dependencies = [("evidence", "0042_subtype_not_applicable")]

    operations = [migrations.RunSQL(REFRESH + EVERY, _0031.REFRESH + EVERY)]
