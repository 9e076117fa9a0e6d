"""A cargo's counts are of the findings ``cargo=`` lists: those naming the cargo, its family or
the family's members, or an agent (an siRNA, an antagomir) that targets any of these
(``CargoReach``). The counts view (0029) and the facet keys (0030) counted a cargo for the
findings naming it alone, so TGFB1 said "1 item" where its list showed 2.

``evidence_cargo_reach`` (a plain view, the model ``CargoReach``) is the one definition of
what a cargo filter takes: each cargo with every cargo its filter reaches, one level each
way, a row for each reason why: 'self'; 'family', its family, via the cargo; 'member', a
member of it or of its family, via the family; 'agent', an agent that targets any of these,
via the target. The evidence list words its notes from why and via (``reasons()``), the
cargo page and the network read the view too. The counts view counts a cargo's items (alone,
with a drug, with a mechanism) through it, for public cargos only (carried by an accepted
finding: a family no finding names has no page to count for); an item's cargo facet keys
name every cargo whose filter takes one of its cargos. The triggers follow a family or a
target set or changed: the counts go stale and the keys of the items concerned are rebuilt.

The SQL is 0029's and 0030's, frozen here with the reach added.
"""

import importlib

from django.db import migrations, models

_counts = importlib.import_module("evidence.migrations.0012_counts_materialized_view")
_keys = importlib.import_module("evidence.migrations.0025_facet_keys")
_by_role = importlib.import_module("evidence.migrations.0029_drug_counts_by_role")
_scope = importlib.import_module("evidence.migrations.0030_mechanism_facet_scope")

REACH = """
CREATE VIEW evidence_cargo_reach (cargo_id, reached_id, why, via_id) AS
-- Each column named in every branch: a dump restores the view as it was written (unnamed
-- literals came back as "'member'::text AS text" and the backup check saw a change).
-- Read twice below, yet not materialized: a reader's condition on cargo_id (the cargo page,
-- the evidence list's notes) then reaches the indexes, not the reach of every cargo.
WITH kin (cargo_id, reached_id, why, via_id) AS NOT MATERIALIZED (
    -- The cargo, its family (families do not nest) ...
    SELECT id AS cargo_id, id AS reached_id, 'self'::text AS why, id AS via_id FROM evidence_cargo
    UNION ALL
    SELECT id, family_id, 'family'::text AS why, id FROM evidence_cargo WHERE family_id IS NOT NULL
    UNION ALL
    -- ... its members, or the other members of its family ...
    SELECT family_id, id, 'member'::text AS why, family_id FROM evidence_cargo WHERE family_id IS NOT NULL
    UNION ALL
    SELECT c.id, m.id, 'member'::text AS why, m.family_id
      FROM evidence_cargo c JOIN evidence_cargo m ON m.family_id = c.family_id AND m.id <> c.id
)
-- ... and the agents that target any of them.
SELECT * FROM kin
UNION
SELECT k.cargo_id, t.from_cargo_id, 'agent'::text AS why, t.to_cargo_id
  FROM kin k JOIN evidence_cargo_targets t ON t.to_cargo_id = k.reached_id;
"""

VIEW = _counts.VIEW.replace(_by_role.ALL_ROLES_DRUG, _by_role.THERAPY_DRUG)
OWN_CARGO = """), cargo AS MATERIALIZED (
    SELECT l.evidence_id, l.cargo_id AS id, e.effect
      FROM evidence_evidence_cargos l JOIN accepted e ON e.id = l.evidence_id
), """
REACHED_CARGO = """), carried AS MATERIALIZED (
    SELECT l.evidence_id, l.cargo_id AS id, e.effect
      FROM evidence_evidence_cargos l JOIN accepted e ON e.id = l.evidence_id
), cargo AS MATERIALIZED (
    -- A cargo's items are those naming a cargo its filter reaches, each once; counted for
    -- the public cargos (those an accepted item carries), which alone have pages and filters.
    SELECT DISTINCT l.evidence_id, r.cargo_id AS id, l.effect
      FROM carried l JOIN evidence_cargo_reach r ON r.reached_id = l.id
     WHERE r.cargo_id IN (SELECT id FROM carried)
), """
OWN_KIND = "FROM cargo l JOIN evidence_cargo c ON c.id = l.id"
CARRIED_KIND = "FROM carried l JOIN evidence_cargo c ON c.id = l.id"
assert VIEW.count(OWN_CARGO) == 1 and VIEW.count(OWN_KIND) == 1
# The cargo page's rows by mechanism link to ``mechanism=``, which takes the narrower terms
# too: counted by scope, as the drug page's rows are.
CARGO_MECHANISM = """    UNION ALL SELECT 'cargo_mechanism'::text AS kind, c.id AS a, m.id AS b, c.effect
      FROM cargo c JOIN mechanism m USING (evidence_id)"""
CARGO_SCOPE = """    UNION ALL SELECT 'cargo_scope'::text AS kind, c.id AS a, s.id AS b, c.effect
      FROM cargo c JOIN scope s USING (evidence_id)"""
assert VIEW.count(CARGO_MECHANISM) == 1

KEYS_SETUP = _by_role.KEYS_SETUP.replace(_scope.TERM, _scope.SCOPE)
OWN_KEY = """    SELECT l.evidence_id, 'cargo:' || c.symbol
      FROM wanted w JOIN evidence_evidence_cargos l ON l.evidence_id = w.id JOIN evidence_cargo c ON c.id = l.cargo_id
"""
# Every cargo whose filter lists the item: a family's key on its members' items, say.
REACHED_KEY = """    SELECT l.evidence_id, 'cargo:' || c.symbol
      FROM wanted w JOIN evidence_evidence_cargos l ON l.evidence_id = w.id
      JOIN evidence_cargo_reach r ON r.reached_id = l.cargo_id JOIN evidence_cargo c ON c.id = r.cargo_id
"""
assert KEYS_SETUP.count(OWN_KEY) == 1

#: The counts go stale when a family or a target changes.
STALENESS = """
DROP TRIGGER evidence_counts_changed ON evidence_cargo;
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF kind, family_id
    ON evidence_cargo FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON evidence_cargo_targets FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
"""
DROP_STALENESS = """
DROP TRIGGER evidence_counts_changed ON evidence_cargo_targets;
DROP TRIGGER evidence_counts_changed ON evidence_cargo;
CREATE TRIGGER evidence_counts_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF kind
    ON evidence_cargo FOR EACH STATEMENT EXECUTE FUNCTION evidence_counts_changed();
"""

#: The items whose keys name a cargo of ``{}`` or one these cargos' filters reach.
CARRYING_REACH = (
    "SELECT evidence_id FROM evidence_evidence_cargos"
    " WHERE cargo_id IN (SELECT reached_id FROM evidence_cargo_reach WHERE cargo_id IN ({}))"
)
CHANGED = (
    "SELECT n.id, n.family_id, o.family_id AS old_family_id FROM new_rows n JOIN old_rows o ON o.id = n.id"
    " WHERE (n.symbol, n.kind, n.family_id) IS DISTINCT FROM (o.symbol, o.kind, o.family_id)"
)
CARGO_UPDATE = "evidence_cargo_facet_keys_update"
CARGO_TRIGGERS = (
    # A cargo renamed, re-annotated or moved to another family: the keys of the items naming
    # a cargo its filter reaches, or one its old or new family's filter reaches.
    f"DROP TRIGGER {CARGO_UPDATE} ON evidence_cargo; DROP FUNCTION {CARGO_UPDATE}();"
    + _keys._trigger(
        "evidence_cargo",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"WITH changed AS ({CHANGED}) "
        + CARRYING_REACH.format(
            "SELECT id FROM changed UNION SELECT family_id FROM changed UNION SELECT old_family_id FROM changed"
        ),
    )
    # A new member's key goes on its family's items; a member gone takes it away.
    + _keys._trigger(
        "evidence_cargo",
        "INSERT",
        "REFERENCING NEW TABLE AS new_rows",
        CARRYING_REACH.format("SELECT id FROM new_rows UNION SELECT family_id FROM new_rows"),
    )
    + _keys._trigger(
        "evidence_cargo", "DELETE", "REFERENCING OLD TABLE AS old_rows", CARRYING_REACH.format("SELECT family_id FROM old_rows")
    )
)
AGENTS = "SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN (SELECT from_cargo_id FROM {})"
# An agent given or relieved of a target: its items' keys gain or lose the target's relatives.
TARGETS_TRIGGERS = (
    _keys._trigger("evidence_cargo_targets", "INSERT", "REFERENCING NEW TABLE AS new_rows", AGENTS.format("new_rows"))
    + _keys._trigger("evidence_cargo_targets", "DELETE", "REFERENCING OLD TABLE AS old_rows", AGENTS.format("old_rows"))
    + _keys._trigger(
        "evidence_cargo_targets",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        AGENTS.format("old_rows") + " UNION " + AGENTS.format("new_rows"),
    )
)
DROP_TRIGGERS = "\n".join(
    f"DROP TRIGGER {table}_facet_keys_{event} ON {table}; DROP FUNCTION {table}_facet_keys_{event}();"
    for table, event in (
        ("evidence_cargo", "insert"),
        ("evidence_cargo", "delete"),
        ("evidence_cargo", "update"),
        ("evidence_cargo_targets", "insert"),
        ("evidence_cargo_targets", "delete"),
        ("evidence_cargo_targets", "update"),
    )
)
OWN_CARGO_TRIGGER = _keys._trigger(
    "evidence_cargo",
    "UPDATE",
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "WITH changed AS (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
    " WHERE (n.symbol, n.kind) IS DISTINCT FROM (o.symbol, o.kind))"
    " SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN (SELECT id FROM changed)",
)

FORWARD = (
    REACH
    + STALENESS
    + CARGO_TRIGGERS
    + TARGETS_TRIGGERS
    + _by_role._rebuild(
        VIEW.replace(OWN_CARGO, REACHED_CARGO).replace(OWN_KIND, CARRIED_KIND).replace(CARGO_MECHANISM, CARGO_SCOPE),
        KEYS_SETUP.replace(OWN_KEY, REACHED_KEY),
    )
)
BACKWARD = (
    DROP_TRIGGERS
    + OWN_CARGO_TRIGGER
    + DROP_STALENESS
    + _by_role._rebuild(VIEW, KEYS_SETUP)
    + "DROP VIEW evidence_cargo_reach;"
)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0043_search_alias_keys_by_name_rule")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.CreateModel(
            name="CargoReach",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "cargo_id", "reached_id", "why", "via_id", blank=True, editable=False, primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "why",
                    models.CharField(
                        choices=[("self", "self"), ("family", "family"), ("member", "member"), ("agent", "agent")],
                        max_length=6,
                    ),
                ),
            ],
            options={"db_table": "evidence_cargo_reach", "managed": False},
        ),
    ]
