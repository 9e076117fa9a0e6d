"""Cancer type as a controlled vocabulary: a tree with ontology ids, a filter that takes names
and broader types, a facet, a badge, and breast cancer one click away."""

import pytest

from evidence.models import CancerType, Evidence
from tests.api.helpers import ids, pub
from tests.factories import CancerTypeFactory, EvidenceFactory

URL = "/api/v1/evidence/"


@pytest.fixture
def cancers(db):
    breast = CancerType.objects.get(pk=Evidence._meta.get_field("cancer_type").get_default())
    heme = CancerTypeFactory(slug="hematologic-cancer", name="hematologic cancer")
    lymphoma = CancerTypeFactory(slug="lymphoma", name="lymphoma", parent=heme, doid="DOID:0060058")
    bcell = CancerTypeFactory(slug="b-cell-lymphoma", name="B-cell lymphoma", parent=lymphoma, synonyms=["BCL"])
    gbm = CancerTypeFactory(slug="glioblastoma", name="glioblastoma", synonyms=["GBM"], doid="DOID:3068")
    return {
        "breast": EvidenceFactory(statement="Exosomes in breast cancer."),
        "bcell": EvidenceFactory(statement="Rituximab decoys on vesicles.", cancer_type=bcell),
        "lymphoma": EvidenceFactory(statement="Vesicle export of doxorubicin.", cancer_type=lymphoma),
        "gbm": EvidenceFactory(statement="Temozolomide resistance spreads.", cancer_type=gbm),
        "types": {"breast": breast, "gbm": gbm, "lymphoma": lymphoma},
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        ("breast cancer", ["breast"]),
        ("Breast-Cancer", ["breast"]),
        ("lymphoma", ["bcell", "lymphoma"]),  # a broader type includes the narrower ones
        ("hematologic cancer", ["bcell", "lymphoma"]),
        ("B-cell lymphoma", ["bcell"]),
        ("bcl", ["bcell"]),  # a synonym
        ("GBM", ["gbm"]),
        ("glioblastoma,lymphoma", ["bcell", "lymphoma", "gbm"]),
    ],
)
def test_the_filter_takes_names_synonyms_and_broader_types(api, cancers, value, expected):
    assert ids(api.get(URL, {"cancer_type": value})) == pub(*(cancers[name] for name in expected))


def test_an_unknown_cancer_type_is_a_400_with_the_nearest_names(api, cancers):
    response = api.get(URL, {"cancer_type": "glioblastom"})
    assert response.status_code == 400
    assert "'glioblastoma'" in response.json()["cancer_type"][0]


def test_the_api_shows_the_name_and_ontology_ids_and_takes_a_name_on_write(api, curator_api, cancers):
    item = api.get(f"{URL}{cancers['gbm'].public_id}/").json()
    assert item["cancer_type"] == "glioblastoma"
    assert item["cancer_type_ids"] == {"doid": "DOID:3068", "ncit": ""}
    rows = b"".join(api.get(URL, {"format": "csv", "cancer_type": "GBM"}).streaming_content).decode()
    assert "glioblastoma" in rows


def test_search_finds_an_item_by_its_cancer_type_and_broader_type(api, cancers):
    assert ids(api.get(URL, {"q": "hematologic"})) == pub(cancers["bcell"], cancers["lymphoma"])
    assert ids(api.get(URL, {"q": "GBM temozolomide"})) == pub(cancers["gbm"])


def test_renaming_a_type_reaches_the_search_of_its_items_and_narrower_ones(api, cancers):
    gbm = cancers["types"]["gbm"]
    gbm.name = "glioblastoma multiforme"
    gbm.save()
    assert ids(api.get(URL, {"q": "multiforme"})) == pub(cancers["gbm"])
    lymphoma = cancers["types"]["lymphoma"]
    lymphoma.name = "malignant lymphoma"
    lymphoma.save()
    assert ids(api.get(URL, {"q": "malignant"})) == pub(cancers["bcell"], cancers["lymphoma"])


def test_the_list_labels_other_cancers_and_offers_breast_cancer_only(client, cancers):
    page = client.get("/evidence/").content.decode()
    assert 'class="badge badge-cancer"' in page and "B-cell lymphoma" in page
    assert "?cancer_type=breast-cancer" in page and 'data-facet="cancer_type"' in page
    only = client.get("/evidence/", {"cancer_type": "breast-cancer"}).content.decode()
    assert "Showing breast cancer findings only" in only
    assert cancers["gbm"].public_id not in only and cancers["breast"].public_id in only


def test_a_cancer_type_facet_counts_what_its_link_lists(client, api, cancers):
    """A broader type's filter includes the narrower types, so its count does too."""
    facets = {f.param: f for f in client.get("/evidence/").context["facets"]}
    counts = {value.value: value.count for value in facets["cancer_type"].values}
    assert counts["hematologic-cancer"] == 2 and counts["lymphoma"] == 2 and counts["b-cell-lymphoma"] == 1
    for value in facets["cancer_type"].values:
        assert api.get(URL, {"cancer_type": value.value}).json()["count"] == value.count, value.value


def test_breast_cancer_is_told_by_its_slug_not_its_name(client, cancers):
    # A curator may rename the type ("Breast carcinoma"): its items are still breast cancer
    # findings in the list, as on their detail pages, and carry no other-cancer badge.
    breast = cancers["types"]["breast"]
    breast.name = "Breast carcinoma"
    breast.save()
    page = client.get("/evidence/", {"q": "Exosomes in breast cancer"}).content.decode()
    assert cancers["breast"].public_id in page and "Not a breast cancer finding" not in page


def test_a_type_below_breast_cancer_is_breast_cancer_everywhere(client, api, cancers):
    # As cancer_type=breast-cancer lists it: no other-cancer badge, a subtype, not counted apart.
    inflammatory = CancerTypeFactory(
        slug="inflammatory-breast-cancer", name="inflammatory breast cancer", parent=cancers["types"]["breast"]
    )
    item = EvidenceFactory(statement="Vesicles of inflammatory tumours.", cancer_type=inflammatory)
    assert item.public_id in ids(api.get(URL, {"cancer_type": "breast-cancer"}))
    page = client.get("/evidence/", {"q": "inflammatory tumours"}).content.decode()
    assert item.public_id in page and "Not a breast cancer finding" not in page
    detail = client.get(f"/evidence/{item.public_id}/").content.decode()
    assert "Breast cancer subtype" in detail and "not breast cancer" not in detail
    assert "3 of the findings" in client.get("/").content.decode()


def test_the_detail_page_shows_the_ontology_and_no_subtype_outside_breast_cancer(client, cancers):
    gbm = client.get(f"/evidence/{cancers['gbm'].public_id}/").content.decode()
    assert "DOID:3068" in gbm and "not breast cancer" in gbm
    assert "<dt>Breast cancer subtype</dt><dd>not applicable (not breast cancer)</dd>" in gbm
    breast = client.get(f"/evidence/{cancers['breast'].public_id}/").content.decode()
    assert "<dt>Breast cancer subtype</dt><dd>unspecified</dd>" in breast


def test_the_home_page_says_other_cancers_are_included(client, cancers):
    page = client.get("/").content.decode()
    assert 'data-testid="cancer-scope"' in page and "3 of the findings" in page
