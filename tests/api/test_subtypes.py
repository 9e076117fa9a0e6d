"""A breast cancer subtype belongs to breast cancer findings only: a finding in another cancer
stores "not applicable", so that "unspecified" (its filter, its facet count) means a breast
cancer finding whose paper leaves the subtype open."""

import importlib

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.http import QueryDict

from evidence import stored_counts
from evidence.choices import Status, Subtype
from evidence.models import CancerType, Evidence
from evidence.models.evidence import SUBTYPE_FITTED, fit_subtype, refit_subtypes
from tests.api.helpers import ids, pub
from tests.factories import (
    CancerTypeFactory,
    CargoFactory,
    CitationFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
)

MIGRATION = "0042_subtype_not_applicable"

URL = "/api/v1/evidence/"


@pytest.fixture
def mixed(db):
    """Breast cancer findings (two with no subtype said, one TNBC) and four in other cancers."""
    breast = CancerType.objects.get(pk=Evidence._meta.get_field("cancer_type").get_default())
    lymphoma = CancerTypeFactory(slug="lymphoma", name="lymphoma")
    gbm = CancerTypeFactory(slug="glioblastoma", name="glioblastoma")
    items = {
        "breast1": EvidenceFactory(statement="Exosomes in breast cancer."),
        "breast2": EvidenceFactory(statement="Vesicles in breast tumours.", level="C"),
        "tnbc": EvidenceFactory(statement="Vesicles from TNBC cells.", subtype=Subtype.TNBC),
        "lymphoma1": EvidenceFactory(statement="Vesicle export of doxorubicin.", cancer_type=lymphoma),
        "lymphoma2": EvidenceFactory(statement="Rituximab decoys.", cancer_type=lymphoma, level="C"),
        "lymphoma3": EvidenceFactory(statement="CD20 on vesicles.", cancer_type=lymphoma),
        "gbm": EvidenceFactory(statement="Temozolomide resistance spreads.", cancer_type=gbm),
    }
    return {"items": items, "breast": breast, "lymphoma": lymphoma, "gbm": gbm}


@pytest.mark.parametrize(
    "subtype, breast_cancer, stored",
    [
        ("tnbc", True, "tnbc"),
        ("unspecified", True, "unspecified"),
        ("not_applicable", True, "unspecified"),  # a finding moved to breast cancer: the paper said none
        ("unspecified", False, "not_applicable"),
        ("not_applicable", False, "not_applicable"),
    ],
)
def test_the_rule(subtype, breast_cancer, stored):
    assert fit_subtype(subtype, "lymphoma", breast_cancer) == stored


def test_a_breast_cancer_subtype_on_another_cancer_is_refused_naming_both():
    with pytest.raises(ValidationError) as caught:
        fit_subtype("her2", "melanoma", breast_cancer=False)
    assert caught.value.message == (
        "HER2+ is a breast cancer subtype, but the finding is in melanoma: correct the cancer type, or set the "
        'subtype to "not applicable (not breast cancer)".'
    )


def test_every_save_stores_the_subtype_its_cancer_type_allows(mixed):
    item = Evidence.objects.get(pk=mixed["items"]["lymphoma1"].pk)
    assert item.subtype == Subtype.NOT_APPLICABLE
    item.cancer_type = mixed["breast"]
    item.save()
    assert Evidence.objects.get(pk=item.pk).subtype == Subtype.UNSPECIFIED
    item.subtype, item.cancer_type = Subtype.LUMINAL, mixed["gbm"]
    with pytest.raises(ValidationError) as caught:
        item.save()
    assert "luminal / ER+ is a breast cancer subtype, but the finding is in glioblastoma" in caught.value.messages[0]
    assert Evidence.objects.get(pk=item.pk).cancer_type == mixed["breast"]


def test_the_filter_and_the_facet_count_breast_cancer_findings_only(api, client, mixed):
    items = mixed["items"]
    assert ids(api.get(URL, {"subtype": "unspecified"})) == pub(items["breast1"], items["breast2"])
    outside = pub(items["lymphoma1"], items["lymphoma2"], items["lymphoma3"], items["gbm"])
    assert ids(api.get(URL, {"subtype": "not applicable"})) == outside
    assert ids(api.get(URL, {"subtype": "n/a"})) == outside
    assert api.get(f"{URL}{items['gbm'].public_id}/").json()["subtype"] == "not_applicable"
    rows = b"".join(api.get(URL, {"format": "csv", "cancer_type": "lymphoma"}).streaming_content).decode()
    assert rows.count(",not_applicable,") == 3
    # The facet, summed from the stored counts or counted, as the list each value opens holds.
    for query in ("", "level=C", "level=C&cancer_type=lymphoma"):
        cache.clear()
        response = client.get(f"/evidence/?{query}")
        facet = next(f for f in response.context["facets"] if f.param == "subtype")
        for value in facet.values:
            opened = QueryDict(query, mutable=True)
            opened["subtype"] = value.value
            assert value.count == api.get(URL, opened).json()["count"], (query, value.value)
        if not query:
            counts = {value.value: value.count for value in facet.values}
            assert counts == {"unspecified": 2, "not_applicable": 4, "tnbc": 1}
    assert stored_counts.stored_size(QueryDict("subtype=unspecified")) == 2


def test_the_api_refuses_a_breast_cancer_subtype_on_another_cancer_and_saves_nothing(curator_api, mixed):
    body = {
        "statement": "Exosomal CD20 decoys blunt rituximab.",
        "therapy_class": "chemotherapy",
        "citation": CitationFactory().pk,
        "effect": "confers_resistance",
        "evidence_type": "functional",
        "level": "D",
        "cancer_type": "lymphoma",
        "subtype": "TNBC",
    }
    before = Evidence.objects.count()
    response = curator_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["subtype"] == [
        "triple-negative is a breast cancer subtype, but the finding is in lymphoma: correct the cancer type, "
        'or set the subtype to "not applicable (not breast cancer)".'
    ]
    assert Evidence.objects.count() == before
    created = curator_api.post(URL, {**body, "subtype": "unspecified"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["subtype"] == "not_applicable"
    # An edit goes through the workflow's check.
    draft = EvidenceFactory(status=Status.DRAFT, subtype=Subtype.LUMINAL)
    edit = {"cancer_type": "glioblastoma", "version": draft.version}
    response = curator_api.patch(f"{URL}{draft.public_id}/", edit, format="json")
    assert response.status_code == 400 and "luminal / ER+ is a breast cancer subtype" in str(response.json())
    assert Evidence.objects.get(pk=draft.pk).cancer_type == mixed["breast"]
    moved = curator_api.patch(f"{URL}{draft.public_id}/", {**edit, "subtype": "unspecified"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["subtype"] == "not_applicable"


def test_refit_subtypes_says_how_many_it_changed_and_refuses_a_breast_subtype_elsewhere(mixed):
    items = mixed["items"]
    Evidence.objects.filter(subtype=Subtype.NOT_APPLICABLE).update(subtype=Subtype.UNSPECIFIED)
    Evidence.objects.filter(pk=items["breast2"].pk).update(subtype=Subtype.NOT_APPLICABLE)
    assert refit_subtypes() == 5
    assert refit_subtypes() == 0
    Evidence.objects.filter(pk=items["gbm"].pk).update(subtype=Subtype.HER2)
    with pytest.raises(ValidationError) as caught:
        refit_subtypes()
    assert caught.value.message.startswith(f"{items['gbm'].public_id}: HER2+ is a breast cancer subtype")


def test_a_cancer_type_moved_into_or_out_of_breast_cancer_takes_its_findings_subtypes_along(mixed):
    items, lymphoma = mixed["items"], mixed["lymphoma"]
    lymphoma.parent = mixed["breast"]
    lymphoma.full_clean()
    lymphoma.save()
    assert set(Evidence.objects.filter(cancer_type=lymphoma).values_list("subtype", flat=True)) == {"unspecified"}
    Evidence.objects.filter(pk=items["lymphoma2"].pk).update(subtype=Subtype.TNBC)
    lymphoma.parent = None
    with pytest.raises(ValidationError) as caught:
        lymphoma.full_clean()
    assert caught.value.message_dict["parent"] == [
        f"{items['lymphoma2'].public_id}: triple-negative is a breast cancer subtype, but the finding is in "
        'lymphoma: correct the cancer type, or set the subtype to "not applicable (not breast cancer)".'
    ]
    Evidence.objects.filter(pk=items["lymphoma2"].pk).update(subtype=Subtype.UNSPECIFIED)
    lymphoma.full_clean()
    lymphoma.save()
    assert set(Evidence.objects.filter(cancer_type=lymphoma).values_list("subtype", flat=True)) == {"not_applicable"}


def run_migration(direction: str) -> None:
    """Migration 0042's data step (``fit`` or ``unfit``), with the models as they were then."""
    step = getattr(importlib.import_module(f"evidence.migrations.{MIGRATION}"), direction)
    apps = MigrationLoader(connection).project_state(("evidence", MIGRATION)).apps
    with connection.schema_editor() as editor:
        step(apps, editor)


@pytest.mark.parametrize("fitter", [refit_subtypes, lambda: run_migration("fit")], ids=["refit_subtypes", MIGRATION])
def test_each_item_the_system_fits_gets_a_version_saying_why_with_its_links(mixed, fitter):
    items = mixed["items"]
    linked = items["lymphoma1"]
    linked.cargos.set([CargoFactory()])
    linked.drugs.set([DrugFactory()])
    linked.mechanisms.set([MechanismFactory()])
    # As before migration 0042.
    Evidence.objects.filter(subtype=Subtype.NOT_APPLICABLE).update(subtype=Subtype.UNSPECIFIED)
    Evidence.objects.filter(pk=items["breast2"].pk).update(subtype=Subtype.NOT_APPLICABLE)
    was = {item.pk: (item.version, item.history.count()) for item in Evidence.objects.all()}
    fitter()
    changed = {"breast2", "lymphoma1", "lymphoma2", "lymphoma3", "gbm"}
    stored = dict(Evidence.objects.values_list("pk", "subtype"))
    assert {name: stored[item.pk] for name, item in items.items()} == {
        "breast1": "unspecified",
        "breast2": "unspecified",
        "tnbc": "tnbc",
        "lymphoma1": "not_applicable",
        "lymphoma2": "not_applicable",
        "lymphoma3": "not_applicable",
        "gbm": "not_applicable",
    }
    for name, item in items.items():
        version, versions = was[item.pk]
        if name not in changed:
            assert (item.history.count(), Evidence.objects.get(pk=item.pk).version) == (versions, version), name
            continue
        assert item.history.count() == versions + 1, name
        fitted, before = item.history.order_by("-history_id")[:2]
        stored = Evidence.objects.get(pk=item.pk)
        assert (fitted.history_type, fitted.history_user, fitted.history_change_reason) == ("~", None, SUBTYPE_FITTED)
        assert fitted.version == stored.version == version + 1 and fitted.subtype == stored.subtype
        # The version is the item whole, its links too (the subtype it had was changed without a version here).
        assert set(fitted.diff_against(before).changed_fields) == {"version"}, name


def test_migration_0042_back_gives_each_item_it_changes_a_version_and_refuses_a_breast_subtype_elsewhere(mixed):
    items = mixed["items"]
    run_migration("unfit")
    gbm = Evidence.objects.get(pk=items["gbm"].pk)
    assert gbm.subtype == Subtype.UNSPECIFIED and gbm.version == items["gbm"].version + 1
    assert gbm.history.latest("history_id").history_change_reason.startswith('Subtype "not applicable" withdrawn')
    assert items["breast1"].history.count() == 1
    run_migration("fit")
    assert Evidence.objects.get(pk=gbm.pk).subtype == Subtype.NOT_APPLICABLE
    Evidence.objects.filter(pk=gbm.pk).update(subtype=Subtype.HER2)
    with pytest.raises(DatabaseError, match=f"breast cancer subtype to another cancer: {gbm.public_id}\\. "):
        with transaction.atomic():
            run_migration("fit")
