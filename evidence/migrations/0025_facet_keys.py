"""Each item's many-to-many facet values in one row, so that any list's facets are counted exactly.

``evidence_facet_keys`` holds, per item that links anything, the values its drug, cargo,
cargo kind and mechanism facets read, as ``facet:value`` text (``drug:Doxorubicin``,
``cargo:miR-155``, ``cargo_type:mirna``, ``mechanism:drug-efflux``), each once. Counting
those facets over a filtered list is then one pass over its rows (``unnest`` and a
GROUP BY) instead of a join per link table.

``exoresist_facet_keys_refresh(ids)`` rewrites the rows of the given items; statement
triggers (with transition tables) on the link tables and on the fields the keys read
(a drug's name, a cargo's symbol and kind, a mechanism's slug) call it in the writer's
own transaction, whoever writes. An item that links nothing has no row; a deleted item's
row goes with it (the foreign key cascades).

The SQL is written out so that this migration means the same whatever later code says.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

SETUP = """
CREATE TABLE evidence_facet_keys (
    evidence_id bigint PRIMARY KEY REFERENCES evidence_evidence (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED,
    keys text[] NOT NULL
);

CREATE FUNCTION exoresist_facet_keys_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
WITH wanted AS MATERIALIZED (
    SELECT DISTINCT unnest(ids) AS id
), keyed AS (
    SELECT l.evidence_id AS id, 'drug:' || d.name AS key
      FROM wanted w JOIN evidence_evidence_drugs l ON l.evidence_id = w.id JOIN evidence_drug d ON d.id = l.drug_id
    UNION
    SELECT l.evidence_id, 'cargo:' || c.symbol
      FROM wanted w JOIN evidence_evidence_cargos l ON l.evidence_id = w.id JOIN evidence_cargo c ON c.id = l.cargo_id
    UNION
    SELECT l.evidence_id, 'cargo_type:' || c.kind
      FROM wanted w JOIN evidence_evidence_cargos l ON l.evidence_id = w.id JOIN evidence_cargo c ON c.id = l.cargo_id
    UNION
    SELECT l.evidence_id, 'mechanism:' || m.slug
      FROM wanted w JOIN evidence_evidence_mechanisms l ON l.evidence_id = w.id
      JOIN evidence_mechanism m ON m.id = l.mechanism_id
), per_item AS (
    SELECT id, array_agg(key ORDER BY key) AS keys FROM keyed GROUP BY id
), unlinked AS (
    DELETE FROM evidence_facet_keys f USING wanted w
     WHERE f.evidence_id = w.id AND NOT EXISTS (SELECT 1 FROM per_item p WHERE p.id = w.id)
)
INSERT INTO evidence_facet_keys AS f (evidence_id, keys)
SELECT id, keys FROM per_item
    ON CONFLICT (evidence_id) DO UPDATE SET keys = EXCLUDED.keys WHERE f.keys IS DISTINCT FROM EXCLUDED.keys
$$;
"""

LINKS = ("evidence_evidence_drugs", "evidence_evidence_cargos", "evidence_evidence_mechanisms")

#: (table, watched columns, the items whose keys read a changed row).
ENTITIES = (
    ("evidence_drug", "name", "SELECT evidence_id FROM evidence_evidence_drugs WHERE drug_id IN (SELECT id FROM changed)"),
    ("evidence_cargo", "symbol, kind",
     "SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN (SELECT id FROM changed)"),
    ("evidence_mechanism", "slug",
     "SELECT evidence_id FROM evidence_evidence_mechanisms WHERE mechanism_id IN (SELECT id FROM changed)"),
)  # fmt: skip


def _trigger(table: str, event: str, referencing: str, touched: str) -> str:
    name = f"{table}_facet_keys_{event.lower()}"
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM exoresist_facet_keys_refresh(ARRAY({touched}));
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _triggers() -> str:
    sql = []
    for table in LINKS:
        sql.append(_trigger(table, "INSERT", "REFERENCING NEW TABLE AS new_rows", "SELECT evidence_id FROM new_rows"))
        sql.append(_trigger(table, "DELETE", "REFERENCING OLD TABLE AS old_rows", "SELECT evidence_id FROM old_rows"))
        sql.append(
            _trigger(
                table,
                "UPDATE",
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "SELECT evidence_id FROM old_rows UNION SELECT evidence_id FROM new_rows",
            )
        )
    for table, watched, touched in ENTITIES:
        new = ", ".join(f"n.{c.strip()}" for c in watched.split(","))
        old = ", ".join(f"o.{c.strip()}" for c in watched.split(","))
        changed = f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE ({new}) IS DISTINCT FROM ({old})"
        sql.append(
            _trigger(
                table,
                "UPDATE",
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                f"WITH changed AS ({changed}) {touched}",
            )
        )
    return "\n".join(sql)


def _drop_triggers() -> str:
    events = [(table, event) for table in LINKS for event in ("INSERT", "DELETE", "UPDATE")]
    events += [(table, "UPDATE") for table, _, _ in ENTITIES]
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_facet_keys_{event.lower()} ON {table};"
        f" DROP FUNCTION IF EXISTS {table}_facet_keys_{event.lower()}();"
        for table, event in events
    )


FORWARD = (
    SETUP
    + _triggers()
    + """
SELECT exoresist_facet_keys_refresh(ARRAY(SELECT id FROM evidence_evidence));
ANALYZE evidence_facet_keys;
"""
)

BACKWARD = (
    _drop_triggers()
    + """
DROP FUNCTION exoresist_facet_keys_refresh(bigint[]);
DROP TABLE evidence_facet_keys;
"""
)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0024_label_letters_by_window")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        # The table is the SQL's above; Django knows the model so that a flush truncates it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EvidenceFacetKeys",
                    fields=[
                        (
                            "evidence",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="facet_keys",
                                serialize=False,
                                to="evidence.evidence",
                            ),
                        ),
                        ("keys", django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                    ],
                    options={"db_table": "evidence_facet_keys"},
                ),
            ]
        ),
    ]
