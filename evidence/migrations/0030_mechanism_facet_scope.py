"""A mechanism's facet counts what ``mechanism=`` lists: the term's items and its narrower
terms' (its scope), as its page and the matrix count them. An item naming a narrower term
("transfer of efflux pumps") now also carries the broader term's facet key ("drug efflux").

The SQL is 0029's facet keys function with one more part, and 0025's trigger on mechanisms,
which now also rebuilds the keys of items naming a moved term or a renamed term's children.
"""

import importlib

from django.db import migrations

_keys = importlib.import_module("evidence.migrations.0025_facet_keys")
_by_role = importlib.import_module("evidence.migrations.0029_drug_counts_by_role")

TERM = """      JOIN evidence_mechanism m ON m.id = l.mechanism_id
), per_item AS ("""
SCOPE = """      JOIN evidence_mechanism m ON m.id = l.mechanism_id
    UNION
    SELECT l.evidence_id, 'mechanism:' || p.slug
      FROM wanted w JOIN evidence_evidence_mechanisms l ON l.evidence_id = w.id
      JOIN evidence_mechanism m ON m.id = l.mechanism_id JOIN evidence_mechanism p ON p.id = m.parent_id
), per_item AS ("""
assert _by_role.KEYS_SETUP.count(TERM) == 1

TRIGGER = "evidence_mechanism_facet_keys_update"
DROP_TRIGGER = f"DROP TRIGGER {TRIGGER} ON evidence_mechanism; DROP FUNCTION {TRIGGER}();"
SLUG_CHANGED = "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (n.slug) IS DISTINCT FROM (o.slug)"
SCOPE_CHANGED = (
    "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
    " WHERE (n.slug, n.parent_id) IS DISTINCT FROM (o.slug, o.parent_id)"
)
LINKING = "SELECT evidence_id FROM evidence_evidence_mechanisms WHERE mechanism_id IN ({})"


def _mechanism_trigger(changed: str, terms: str) -> str:
    trigger = _keys._trigger(
        "evidence_mechanism",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"WITH changed AS ({changed}) {LINKING.format(terms)}",
    )
    return DROP_TRIGGER + trigger


def _rebuild(keys: str, trigger: str) -> str:
    return f"""
{_by_role._keys_function(keys)}
{trigger}
SELECT exoresist_facet_keys_refresh(ARRAY(SELECT id FROM evidence_evidence));
REFRESH MATERIALIZED VIEW evidence_evidencecount_keys;
UPDATE evidence_countsstate SET value = (SELECT value FROM evidence_countsstate WHERE name = 'changed')
 WHERE name = 'counted';
"""


FORWARD = _rebuild(
    _by_role.KEYS_SETUP.replace(TERM, SCOPE),
    # A renamed or moved term's items, and its narrower terms' (their broader key changed).
    _mechanism_trigger(
        SCOPE_CHANGED,
        "SELECT id FROM changed UNION SELECT id FROM evidence_mechanism WHERE parent_id IN (SELECT id FROM changed)",
    ),
)
BACKWARD = _rebuild(_by_role.KEYS_SETUP, _mechanism_trigger(SLUG_CHANGED, "SELECT id FROM changed"))


class Migration(migrations.Migration):
    dependencies = [("evidence", "0029_drug_counts_by_role")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
