"""A drug's counts are of the findings ``drug=`` lists: those where it is the therapy
(treatment or payload), not a modifier (0019 gave links a role; the filter has read it since).

The counts view (0012) and the facet keys (0025) counted a drug for every finding naming it,
so a modifier's page said "2 items" where its list showed none, and a drug facet's count
differed from what clicking it gave. Both now count therapy links only; the SQL is 0012's
and 0025's, frozen here with the role condition added.
"""

import importlib

from django.db import migrations

_counts = importlib.import_module("evidence.migrations.0012_counts_materialized_view")
_keys = importlib.import_module("evidence.migrations.0025_facet_keys")

ALL_ROLES_DRUG = "FROM evidence_evidence_drugs l JOIN accepted e ON e.id = l.evidence_id\n"
# As an array literal: an IN list of varchar values is deparsed differently after a dump
# and restore, and the backup check compares the two schemas.
THERAPY = "     WHERE l.role::text = ANY ('{treatment,payload}'::text[])\n"
THERAPY_DRUG = ALL_ROLES_DRUG + THERAPY
ALL_ROLES_KEY = "JOIN evidence_evidence_drugs l ON l.evidence_id = w.id JOIN evidence_drug d ON d.id = l.drug_id\n"
THERAPY_KEY = ALL_ROLES_KEY + THERAPY
assert _counts.VIEW.count(ALL_ROLES_DRUG) == 1 and _keys.SETUP.count(ALL_ROLES_KEY) == 1


def _keys_function(sql: str) -> str:
    start = sql.index("CREATE FUNCTION exoresist_facet_keys_refresh")
    return "CREATE OR REPLACE" + sql[start + len("CREATE") : sql.index("$$;", start) + 3]


def _rebuild(view: str, keys: str) -> str:
    # The views are rebuilt from scratch, so what was pending is counted: 'counted' catches up.
    return f"""
DROP MATERIALIZED VIEW evidence_evidencecount;
{view};
{_counts.INDEXES}
{_keys_function(keys)}
SELECT exoresist_facet_keys_refresh(ARRAY(SELECT id FROM evidence_evidence));
REFRESH MATERIALIZED VIEW evidence_evidencecount_keys;
REFRESH MATERIALIZED VIEW evidence_evidencecount_cube;
UPDATE evidence_countsstate SET value = (SELECT value FROM evidence_countsstate WHERE name = 'changed')
 WHERE name = 'counted';
ANALYZE evidence_evidencecount;
"""


KEYS_SETUP = _keys.SETUP.replace(ALL_ROLES_KEY, THERAPY_KEY)
FORWARD = _rebuild(_counts.VIEW.replace(ALL_ROLES_DRUG, THERAPY_DRUG), KEYS_SETUP)
BACKWARD = _rebuild(_counts.VIEW, _keys.SETUP)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0028_document_labels_from_python")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
