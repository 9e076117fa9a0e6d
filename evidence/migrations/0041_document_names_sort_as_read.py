"""An item's API document lists its cargos, drugs and mechanisms case-folded, then by id.

Migration 0026 ordered them by code point (``ORDER BY t.symbol``: "Bexarotene" before
"beta-elemene"), while every list of names sorts case-folded (``lower(name)``, migration
0038) and so do an item's rows (``ROW_RELATIONS`` in evidence/models/evidence.py). The
document function is 0026's with its three orders changed; only the documents of items
with two names or more in one relation can change, so only those are rebuilt.
"""

import importlib

from django.db import migrations

_0026 = importlib.import_module("evidence.migrations.0026_api_documents")

_START = "CREATE FUNCTION exoresist_document(ids bigint[])"
_END = "CREATE FUNCTION exoresist_document_refresh("
CODE_POINT = _0026.SETUP[_0026.SETUP.index(_START) : _0026.SETUP.index(_END)].replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
)
ORDERS = {
    "ORDER BY t.symbol, t.id": "ORDER BY lower(t.symbol), t.id",
    "ORDER BY t.name, t.id": "ORDER BY lower(t.name), t.id",  # drugs and mechanisms
}
CASE_FOLDED = CODE_POINT
for old, new in ORDERS.items():
    assert old in CASE_FOLDED, old
    CASE_FOLDED = CASE_FOLDED.replace(old, new)

REFRESH = """
SELECT exoresist_document_refresh(ARRAY(
    SELECT evidence_id FROM evidence_evidence_cargos GROUP BY evidence_id HAVING count(*) > 1
    UNION SELECT evidence_id FROM evidence_evidence_drugs GROUP BY evidence_id HAVING count(*) > 1
    UNION SELECT evidence_id FROM evidence_evidence_mechanisms GROUP BY evidence_id HAVING count(*) > 1));
"""


class Migration(migrations.Migration):
    dependencies = [("evidence", "0040_citation_author_title_as_read_index")]

    operations = [migrations.RunSQL(CASE_FOLDED + REFRESH, CODE_POINT + REFRESH)]
