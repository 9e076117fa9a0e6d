"""Citations and entities refuse an update based on a stale copy (their ``modified`` time), as evidence does."""

import pytest

ENDPOINTS = [
    ("/api/v1/drugs/doxorubicin/", {"description": "An anthracycline."}),
    ("/api/v1/cargos/abcb1/", {"description": "P-glycoprotein."}),
    ("/api/v1/cells/mcf-7/", {"description": "Luminal A line."}),
    ("/api/v1/mechanisms/emt/", {"description": "Cells lose polarity."}),
    ("/api/v1/therapy-classes/chemotherapy/", {"description": "Cytotoxic drugs."}),
]


@pytest.fixture
def citation_url(corpus):
    from evidence.models import Citation

    return f"/api/v1/citations/{Citation.objects.get(doi='10.1000/alpha').pk}/"


@pytest.mark.parametrize(("url", "change"), ENDPOINTS)
def test_it_saves_an_edit_of_the_copy_read_and_refuses_one_of_a_stale_copy(curator_api, corpus, url, change):
    read = curator_api.get(url).json()["modified"]
    first = curator_api.patch(url, {**change, "modified": read}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["modified"] != read
    # A second curator still holds the first copy: their save would undo the change.
    stale = curator_api.patch(url, {"description": "Overwritten.", "modified": read}, format="json")
    assert stale.status_code == 409
    assert "Someone else saved this" in stale.json()["modified"][0]
    assert curator_api.get(url).json()["description"] == change["description"]


@pytest.mark.parametrize(("url", "change"), ENDPOINTS)
def test_it_asks_for_the_modified_time_on_update(curator_api, corpus, url, change):
    response = curator_api.patch(url, change, format="json")
    assert response.status_code == 400
    assert "modified" in response.json()


def test_a_citation_refuses_a_stale_copy_too(curator_api, citation_url):
    read = curator_api.get(citation_url).json()["modified"]
    assert curator_api.patch(citation_url, {"volume": "12", "modified": read}, format="json").status_code == 200
    stale = curator_api.patch(citation_url, {"volume": "13", "modified": read}, format="json")
    assert stale.status_code == 409
    assert curator_api.get(citation_url).json()["volume"] == "12"
