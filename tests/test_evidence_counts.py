"""The stored accepted-evidence counts (evidence/models/counts.py) always equal a direct COUNT,
and each item's facet keys (``EvidenceFacetKeys``) what its links say, whoever writes."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from evidence.choices import DEFAULT_DRUG_ROLES, CargoKind, Effect, EvidenceLevel, Status
from evidence.curation import bulk, workflow
from evidence.models import (
    Cargo,
    CargoReach,
    Cell,
    Citation,
    Drug,
    Evidence,
    EvidenceCount,
    EvidenceFacetKeys,
    Mechanism,
    TherapyClass,
)
from evidence.models.counts import COLUMN_KEYS, CUBE, cargo_kind_code, counts_are_stale, refresh_counts
from tests.api.helpers import stale_documents
from tests.factories import (
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
    TherapyClassFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def direct_counts() -> dict[tuple, int]:
    """Every count, by plain filtered COUNTs over accepted evidence (as the evidence list's filters read them)."""
    public = Evidence.objects.public()
    out: dict[tuple, int] = {}

    def add(kind: str, a: int, b: int, items) -> None:
        for effect, n in Counter(items.distinct().values_list("effect", flat=True)).items():
            out[(kind, a, b, effect)] = n
            out[(kind, a, b, "")] = out.get((kind, a, b, ""), 0) + n

    def scope(mechanism: Mechanism) -> Q:
        return Q(mechanisms=mechanism) | Q(mechanisms__parent=mechanism)

    def as_therapy(drug: Drug) -> Q:
        # As drug= lists a drug: where it is the therapy, not a modifier.
        links = Evidence.drugs.through.objects.filter(drug=drug, role__in=DEFAULT_DRUG_ROLES)
        return Q(pk__in=links.values("evidence_id"))

    drugs, cargos, mechanisms = list(Drug.objects.all()), list(Cargo.objects.all()), list(Mechanism.objects.all())
    classes = list(TherapyClass.objects.all())
    for drug in drugs:
        add("drug", drug.pk, 0, public.filter(as_therapy(drug)))
        for level in EvidenceLevel.values:
            add("drug_level", drug.pk, ord(level), public.filter(as_therapy(drug), level=level))
        for mechanism in mechanisms:
            add("drug_mechanism", drug.pk, mechanism.pk, public.filter(as_therapy(drug)).filter(mechanisms=mechanism))
            add("drug_scope", drug.pk, mechanism.pk, public.filter(as_therapy(drug)).filter(scope(mechanism)))
    carried = set(public.values_list("cargos", flat=True))
    reach: dict[int, set[int]] = defaultdict(set)
    for cargo, reached in CargoReach.objects.values_list("cargo_id", "reached_id"):
        reach[cargo].add(reached)
    for cargo in cargos:
        if cargo.pk not in carried:
            continue  # not public: cargo= does not answer to it
        # As cargo= lists a cargo: with its family's, members' and agents' items.
        links = Evidence.cargos.through.objects.filter(cargo_id__in=reach[cargo.pk])
        reaching = public.filter(pk__in=links.values("evidence_id"))
        add("cargo", cargo.pk, 0, reaching)
        for drug in drugs:
            add("cargo_drug", cargo.pk, drug.pk, reaching.filter(as_therapy(drug)))
        for mechanism in mechanisms:
            add("cargo_scope", cargo.pk, mechanism.pk, reaching.filter(scope(mechanism)))
    for mechanism in mechanisms:
        add("mechanism", mechanism.pk, 0, public.filter(mechanisms=mechanism))
        add("scope", mechanism.pk, 0, public.filter(scope(mechanism)))
    for therapy in classes:
        add("therapy_class", therapy.pk, 0, public.filter(therapy_class=therapy))
        items = public.filter(therapy_class=therapy)
        for mechanism in mechanisms:
            add("class_mechanism", therapy.pk, mechanism.pk, items.filter(mechanisms=mechanism))
            add("class_scope", therapy.pk, mechanism.pk, items.filter(scope(mechanism)))
        for kind in CargoKind.values:
            add("class_cargo_kind", therapy.pk, cargo_kind_code(kind), items.filter(cargos__kind=kind))
    for citation in Citation.objects.all():
        add("citation", citation.pk, 0, public.filter(citation=citation))
    for cell in Cell.objects.all():
        add("source_cell", cell.pk, 0, public.filter(source_cell=cell))
        add("recipient_cell", cell.pk, 0, public.filter(recipient_cell=cell))
    return out


def stored_counts() -> dict[tuple, int]:
    return {(c.kind, c.a, c.b, c.effect): c.n for c in EvidenceCount.objects.all()}


def direct_facet_keys() -> dict[int, list[str]]:
    """Each item's facet keys as its links say them: every item, whatever its status."""
    keys: dict[int, set[str]] = defaultdict(set)
    therapy = Evidence.drugs.through.objects.filter(role__in=DEFAULT_DRUG_ROLES)
    for item, name in therapy.values_list("evidence_id", "drug__name"):
        keys[item].add(f"drug:{name}")
    # An item's cargo keys name every cargo whose filter takes one of its cargos.
    reaching: dict[int, set[str]] = defaultdict(set)
    for symbol, reached in CargoReach.objects.values_list("cargo__symbol", "reached_id"):
        reaching[reached].add(f"cargo:{symbol}")
    for item, cargo, kind in Evidence.cargos.through.objects.values_list("evidence_id", "cargo_id", "cargo__kind"):
        keys[item] |= {*reaching[cargo], f"cargo_type:{kind}"}
    links = Evidence.mechanisms.through.objects.values_list("evidence_id", "mechanism__slug", "mechanism__parent__slug")
    for item, slug, broader in links:
        keys[item] |= {f"mechanism:{slug}", *([f"mechanism:{broader}"] if broader else [])}
    return {item: sorted(found) for item, found in keys.items()}


CUBE_COLUMNS = ("therapy_class_id", "effect", "level", "subtype", "evidence_type", "vesicle_involvement",
                "cancer_type_id", "drug_response_measured")  # fmt: skip
KEYED_COLUMNS = CUBE_COLUMNS[:6]


def stored_column_counts() -> tuple[dict, dict]:
    """The column counts and the column facet key counts (migration 0027), as read."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(CUBE_COLUMNS)}, n FROM {CUBE}")
        cube = {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}
        cursor.execute(f"SELECT column_name, value, key, n FROM {COLUMN_KEYS}")
        keys = {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}
    return cube, keys


def direct_column_counts() -> tuple[dict, dict]:
    public = Evidence.objects.filter(status=Status.ACCEPTED).values_list("pk", *CUBE_COLUMNS)
    item_keys = direct_facet_keys()
    cube, keys = Counter(), Counter()
    for pk, *values in public:
        row = dict(zip(CUBE_COLUMNS, values, strict=True))
        row["therapy_class_id"] = row["therapy_class_id"] or 0
        row["cancer_type_id"] = row["cancer_type_id"] or 0
        cube[tuple(row.values())] += 1
        for column in KEYED_COLUMNS:
            for key in item_keys.get(pk, []):
                keys[(column, str(row[column]), key)] += 1
    return dict(cube), dict(keys)


def assert_counts_are_exact() -> None:
    assert stored_column_counts() == direct_column_counts()
    stored, direct = stored_counts(), direct_counts()
    assert {k: v for k, v in stored.items() if v != direct.get(k)} == {}
    assert {k: v for k, v in direct.items() if v != stored.get(k)} == {}
    assert {row.evidence_id: row.keys for row in EvidenceFacetKeys.objects.all()} == direct_facet_keys()
    assert stale_documents() == []


@pytest.fixture
def world():
    """Two therapy classes, a mechanism tree, and accepted, draft and rejected items across them."""
    chemo = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    endocrine = TherapyClassFactory(slug="endocrine", name="Endocrine therapy")
    efflux = MechanismFactory(slug="drug-efflux", name="Drug efflux")
    pumps = MechanismFactory(slug="efflux-pump-transfer", name="Transfer of efflux pumps", parent=efflux)
    emt = MechanismFactory(slug="emt", name="EMT")
    dox, tam, ptx = DrugFactory(name="doxorubicin"), DrugFactory(name="tamoxifen"), DrugFactory(name="paclitaxel")
    mir, abcb1 = CargoFactory(symbol="miR-1", kind=CargoKind.MIRNA), CargoFactory(symbol="ABCB1")
    h19 = CargoFactory(symbol="H19", kind=CargoKind.LNCRNA)
    mcf7, t47d = CellFactory(name="MCF-7"), CellFactory(name="T47D")
    items = [
        EvidenceFactory(drugs=[dox], cargos=[mir, abcb1], mechanisms=[efflux, pumps], therapy_class=chemo,
                        source_cell=mcf7, recipient_cell=mcf7),
        EvidenceFactory(drugs=[dox, ptx], cargos=[abcb1], mechanisms=[pumps], therapy_class=chemo,
                        effect=Effect.BIOMARKER, source_cell=t47d),
        EvidenceFactory(drugs=[tam], cargos=[h19], mechanisms=[emt], therapy_class=endocrine,
                        effect=Effect.REVERSES_RESISTANCE, recipient_cell=t47d),
        EvidenceFactory(drugs=[dox], cargos=[h19], mechanisms=[emt, pumps], therapy_class=chemo,
                        status=Status.DRAFT),
        EvidenceFactory(drugs=[tam], cargos=[mir], therapy_class=endocrine, status=Status.REJECTED),
    ]  # fmt: skip
    names = locals()
    return {name: names[name] for name in ("items", "dox", "tam", "ptx", "mir", "abcb1", "h19", "efflux", "pumps",
                                           "emt", "chemo", "endocrine", "mcf7")}  # fmt: skip


def test_it_counts_what_a_direct_count_gives_after_items_are_created(world):
    assert stored_counts()[("drug", world["dox"].pk, 0, "")] == 2  # not the draft
    # An item naming a child term and its parent counts once for the parent's scope.
    assert stored_counts()[("scope", world["efflux"].pk, 0, "")] == 2
    assert_counts_are_exact()


def test_it_counts_an_item_once_accepted_and_no_longer_once_rejected_or_withdrawn(world, editor):
    author = UserFactory(username="author")
    draft = world["items"][3]
    draft.status, draft.submitted_by = Status.SUBMITTED, author
    draft.save()
    assert_counts_are_exact()
    workflow.accept(draft, editor, reviewed_version=draft.version)
    assert stored_counts()[("drug", world["dox"].pk, 0, "")] == 3
    assert_counts_are_exact()
    # Taken back out of the public set (an admin edit): its counts go.
    draft = Evidence.objects.get(pk=draft.pk)
    draft.status = Status.REJECTED
    draft.save()
    assert stored_counts()[("drug", world["dox"].pk, 0, "")] == 2
    assert_counts_are_exact()


def test_it_counts_after_links_and_fields_of_accepted_items_change(world):
    item = Evidence.objects.get(pk=world["items"][0].pk)
    item.cargos.remove(world["abcb1"])
    assert_counts_are_exact()
    item.drugs.add(world["tam"])
    item.mechanisms.set([world["emt"]])
    assert_counts_are_exact()
    item.drugs.clear()
    assert_counts_are_exact()
    world["ptx"].evidence.add(item)  # from the drug's side
    assert_counts_are_exact()
    item.effect, item.therapy_class, item.source_cell = Effect.DELIVERY_VEHICLE, world["endocrine"], None
    item.citation = CitationFactory()
    item.save()
    assert_counts_are_exact()
    item.level = EvidenceLevel.A if item.level != EvidenceLevel.A else EvidenceLevel.E  # moves between levels
    item.save()
    assert_counts_are_exact()


def test_it_counts_an_item_once_per_cargo_kind_and_follows_a_kind_change(world):
    assert len({cargo_kind_code(kind) for kind in CargoKind.values}) == len(CargoKind.values)
    mir2 = CargoFactory(symbol="miR-2", kind=CargoKind.MIRNA)
    item = Evidence.objects.get(pk=world["items"][0].pk)
    item.cargos.add(mir2)  # two miRNAs: still one miRNA item
    assert stored_counts()[("class_cargo_kind", world["chemo"].pk, cargo_kind_code(CargoKind.MIRNA), "")] == 1
    assert_counts_are_exact()
    world["h19"].kind = CargoKind.CIRCRNA  # re-annotated: its items move to the other kind
    world["h19"].save()
    endocrine = world["endocrine"].pk
    assert stored_counts().get(("class_cargo_kind", endocrine, cargo_kind_code(CargoKind.LNCRNA), "")) is None
    assert stored_counts()[("class_cargo_kind", endocrine, cargo_kind_code(CargoKind.CIRCRNA), "")] == 1
    assert_counts_are_exact()
    world["h19"].delete()
    assert_counts_are_exact()


def test_facet_keys_follow_renamed_drugs_cargos_and_mechanisms_and_raw_link_writes(world):
    assert EvidenceFacetKeys.objects.get(evidence=world["items"][0]).keys == sorted(
        ["drug:doxorubicin", "cargo:miR-1", "cargo:ABCB1", "cargo_type:mirna", "cargo_type:protein",
         "mechanism:drug-efflux", "mechanism:efflux-pump-transfer"]
    )  # fmt: skip
    Drug.objects.filter(pk=world["dox"].pk).update(name="Doxorubicin hydrochloride")
    Cargo.objects.filter(pk=world["mir"].pk).update(symbol="miR-1-3p")
    Mechanism.objects.filter(pk=world["emt"].pk).update(slug="epithelial-mesenchymal-transition")
    assert_counts_are_exact()
    # A broader term renamed, then a narrower one moved under another: their items' keys follow.
    Mechanism.objects.filter(slug="drug-efflux").update(slug="efflux")
    assert_counts_are_exact()
    Mechanism.objects.filter(slug="efflux-pump-transfer").update(parent=world["emt"])
    assert_counts_are_exact()
    # A drug that becomes a modifier is no longer counted as the item's therapy.
    with connection.cursor() as cursor:
        modifier = "UPDATE evidence_evidence_drugs SET role = 'modifier' WHERE evidence_id = %s"
        cursor.execute(modifier, [world["items"][0].pk])
    assert_counts_are_exact()
    item = world["items"][2].pk
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE evidence_evidence_drugs SET drug_id = %s WHERE evidence_id = %s", [world["ptx"].pk, item]
        )
        cursor.execute("DELETE FROM evidence_evidence_cargos WHERE evidence_id = %s", [item])
        cursor.execute("DELETE FROM evidence_evidence_mechanisms WHERE evidence_id = %s", [item])
    assert_counts_are_exact()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_evidence_drugs WHERE evidence_id = %s", [item])
    # An item that links nothing has no keys.
    assert not EvidenceFacetKeys.objects.filter(evidence_id=item).exists()
    refresh_counts()
    assert_counts_are_exact()


def test_a_cargo_counts_its_family_members_and_agents_and_follows_their_edits(world):
    """cargo= takes a cargo's family, the family's members and the agents that target any of
    them (``CargoReach``): so do its counts and the items' facet keys, whoever edits."""
    family = CargoFactory(symbol="ABC transporters")
    world["abcb1"].family = family
    world["abcb1"].save()
    assert_counts_are_exact()
    EvidenceFactory(cargos=[family], drugs=[world["tam"]], therapy_class=world["endocrine"])
    assert stored_counts()[("cargo", world["abcb1"].pk, 0, "")] == 3
    assert stored_counts()[("cargo_drug", world["abcb1"].pk, world["tam"].pk, "")] == 1
    agent = CargoFactory(symbol="anti-miR-1", kind=CargoKind.SIRNA)
    EvidenceFactory(cargos=[agent, world["mir"]], drugs=[world["ptx"]], therapy_class=world["chemo"])
    agent.targets.add(world["mir"])
    assert stored_counts()[("cargo", world["mir"].pk, 0, "")] == 2  # the item naming both, once
    assert_counts_are_exact()
    # A member created in its family, and one that is in no accepted item's family yet.
    sibling = CargoFactory(symbol="ABCG2", family=family)
    EvidenceFactory(cargos=[sibling], drugs=[world["dox"]], therapy_class=world["chemo"])
    CargoFactory(symbol="ABCC1", family=family)
    assert_counts_are_exact()
    family.symbol = "ABC transporter family"  # renamed: its key on its members' items follows
    family.save()
    assert_counts_are_exact()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE evidence_cargo SET family_id = NULL WHERE id = %s", [world["abcb1"].pk])
        cursor.execute("DELETE FROM evidence_cargo_targets WHERE from_cargo_id = %s", [agent.pk])
    assert counts_are_stale()
    refresh_counts()
    assert_counts_are_exact()
    sibling.delete()
    agent.targets.add(world["h19"])
    assert_counts_are_exact()


def test_it_counts_after_a_draft_changes_without_recounting(world):
    draft = Evidence.objects.get(pk=world["items"][3].pk)
    before = stored_counts()
    with CaptureQueriesContext(connection) as captured:
        draft.drugs.add(world["ptx"])
        draft.statement = "Edited."
        draft.save()
    assert not [q for q in captured.captured_queries if EvidenceCount._meta.db_table in q["sql"]]
    assert stored_counts() == before
    assert_counts_are_exact()


def test_it_counts_after_items_entities_and_terms_are_deleted(world):
    Evidence.objects.get(pk=world["items"][1].pk).delete()
    assert_counts_are_exact()
    world["mir"].delete()
    assert_counts_are_exact()
    # A narrower term moves under another parent: both parents' scopes change.
    world["pumps"].parent = world["emt"]
    world["pumps"].save()
    assert_counts_are_exact()
    Evidence.objects.filter(pk=world["items"][2].pk).delete()
    assert_counts_are_exact()


def test_it_counts_after_a_bulk_import_and_a_bulk_update(world):
    def item(**fields):
        return Evidence(statement="Imported.", therapy_class=world["chemo"], citation=CitationFactory(),
                        effect=Effect.CONFERS_RESISTANCE, evidence_type="predictive", level="C", **fields)  # fmt: skip

    created = bulk.insert_evidence(
        [item(status=Status.ACCEPTED), item(status=Status.ACCEPTED, source_cell=world["mcf7"]), item()],
        [
            {"drugs": [world["dox"].pk], "cargos": [world["h19"].pk], "mechanisms": [world["pumps"].pk]},
            {"drugs": [world["ptx"].pk, world["tam"].pk], "cargos": [world["mir"].pk], "mechanisms": []},
            {"drugs": [world["dox"].pk], "cargos": [], "mechanisms": []},
        ],
    )
    assert_counts_are_exact()
    first = Evidence.objects.get(pk=created[0].pk)
    bulk.update_evidence([first], ["statement"], [{"drugs": [world["tam"].pk], "cargos": [], "mechanisms": []}])
    assert stored_counts().get(("cargo_drug", world["h19"].pk, world["dox"].pk, "")) is None
    assert_counts_are_exact()


def test_a_forced_refresh_counts_the_same(world):
    before = stored_counts()
    assert refresh_counts(force=True)
    assert stored_counts() == before
    assert_counts_are_exact()


def test_writes_outside_django_mark_the_counts_stale_and_a_refresh_makes_them_exact(world):
    """The triggers see every writer: QuerySet.update(), raw SQL and through-table rows send no signal."""
    refresh_counts()
    assert not refresh_counts() and not counts_are_stale()  # nothing changed since
    Evidence.objects.filter(pk=world["items"][0].pk).update(effect=Effect.DELIVERY_VEHICLE)
    assert counts_are_stale()
    assert refresh_counts() and not counts_are_stale()
    assert_counts_are_exact()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evidence_evidence_drugs (evidence_id, drug_id) VALUES (%s, %s)",
            [world["items"][2].pk, world["ptx"].pk],
        )
        cursor.execute("UPDATE evidence_evidence SET status = 'accepted' WHERE id = %s", [world["items"][4].pk])
        cursor.execute("UPDATE evidence_mechanism SET parent_id = NULL WHERE id = %s", [world["pumps"].pk])
    assert counts_are_stale()
    refresh_counts()
    assert_counts_are_exact()
    # A write the view does not read (a curation note) leaves it fresh.
    Evidence.objects.filter(pk=world["items"][0].pk).update(curation_note="x")
    assert not counts_are_stale()


def test_loaddata_is_counted(world, tmp_path):
    from django.core import serializers
    from django.core.management import call_command

    item = world["items"][3]  # a draft
    path = tmp_path / "item.json"
    path.write_text(serializers.serialize("json", [item]).replace('"status": "draft"', '"status": "accepted"'))
    call_command("loaddata", str(path), verbosity=0)
    assert stored_counts()[("drug", world["dox"].pk, 0, "")] == 3
    assert_counts_are_exact()


# serialized_rollback: the flush after the test then leaves the tables empty for the next
# serialized test to restore; without it the flush re-creates the content types under new ids,
# and the next serialized test on the worker fails restoring the old ones.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_after_a_commit_a_background_thread_refreshes_the_counts(settings):
    """Production: the curator's request returns at once; the counts follow the commit."""
    from evidence.models import counts

    settings.EXORESIST_COUNTS_REFRESH = "background"
    drug = DrugFactory(name="doxorubicin")
    EvidenceFactory(drugs=[drug])
    for _ in range(100):
        worker = counts._worker
        if worker is None:
            break
        worker.join(0.1)
    assert not counts_are_stale()
    assert EvidenceCount.objects.total("drug", drug.pk) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_read_outside_a_transaction_refreshes_the_counts_in_one():
    """The test suite's refresh on reading, in autocommit (a live server's request): the
    advisory lock and SET LOCAL hold only inside a transaction, so the refresh makes one."""
    drug = DrugFactory(name="doxorubicin")
    EvidenceFactory(drugs=[drug])
    assert connection.get_autocommit() and counts_are_stale()
    connection.connection.notices.clear()
    assert EvidenceCount.objects.total("drug", drug.pk) == 1
    assert not counts_are_stale()
    assert connection.get_autocommit()
    assert not [notice for notice in connection.connection.notices if "SET LOCAL" in notice]


def test_column_counts_follow_columns_the_entity_counts_do_not_read(world):
    """Subtype, evidence type, vesicle involvement, cancer type and read-out are only in the
    column counts (migration 0027): changing them through update() marks the counts stale too."""
    refresh_counts()
    Evidence.objects.filter(status=Status.ACCEPTED).update(subtype="tnbc", evidence_type="prognostic")
    assert counts_are_stale()
    assert_counts_are_exact()
    Evidence.objects.filter(pk=world["items"][0].pk).update(drug_response_measured=False, vesicle_involvement="")
    assert counts_are_stale()
    assert_counts_are_exact()


def test_a_background_refresh_retires_pages_cached_with_the_old_counts(monkeypatch):
    """The data version is bumped at commit, before the counts refresh: a page cached in between
    read the old counts, so a refresh that changed them bumps the version again."""
    from evidence.models import counts
    from exoresist.data_version import get_version

    monkeypatch.setattr(counts, "DEBOUNCE_SECONDS", 0)
    monkeypatch.setattr(counts.connections["default"], "close", lambda: None)  # the test's transaction
    for refreshed, bumped in ((True, True), (False, False)):
        monkeypatch.setattr(counts, "refresh_counts", lambda alias, refreshed=refreshed: refreshed)
        before = get_version()
        counts._requested.add("default")
        counts._refresh_requested()
        assert (get_version() != before) is bumped
