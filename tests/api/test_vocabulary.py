"""Forgiving vocabulary: every controlled value by its code, label or usual name, in any case;
a value or parameter that names nothing is a 400 that says what would have worked."""

import pytest
from django.contrib.auth.models import AnonymousUser

from evidence.choices import Status
from evidence.models.search import did_you_mean_for
from tests.api.helpers import ids, pub
from tests.factories import DrugClassFactory, DrugFactory, EvidenceFactory, MechanismFactory

URL = "/api/v1/evidence/"


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"level": "d"}, ["e1"]),
        ({"level": "in vitro"}, ["e1"]),
        ({"level": "Level C"}, ["e2"]),
        ({"effect": "Biomarker"}, ["e3"]),
        ({"effect": "confers resistance"}, ["e1", "e2", "e4"]),
        ({"cargo_type": "miRNA"}, ["e1", "e3", "e4"]),
        ({"cargo_type": "microRNAs"}, ["e1", "e3", "e4"]),
        ({"cargo_type": "Protein"}, ["e2"]),
        ({"subtype": "TNBC"}, ["e2"]),
        ({"subtype": "triple-negative"}, ["e2"]),
        ({"subtype": "Triple negative"}, ["e2"]),
        ({"subtype": "ER+"}, ["e1"]),
        ({"subtype": "luminal"}, ["e1"]),
        ({"therapy_class": "Chemotherapy"}, ["e1", "e2", "e4"]),
        ({"therapy_class": "endocrine therapy"}, ["e3"]),
        ({"therapy_class": "Endocrine"}, ["e3"]),
        ({"mechanism": "EMT"}, ["e3"]),
        ({"mechanism": "mesenchymal switch"}, ["e3"]),  # a synonym
        ({"mechanism": "Drug efflux"}, ["e1", "e2"]),
        ({"mechanism": "epithelial mesenchymal transition"}, ["e3"]),
        ({"drug": "SERM"}, ["e3"]),  # a drug class: every member
        ({"drug": "SERMs"}, ["e3"]),
    ],
)
def test_controlled_values_are_accepted_by_any_usual_name(api, corpus, params, expected):
    assert ids(api.get(URL, params)) == pub(*(corpus[name] for name in expected))


def test_a_class_of_drugs_reaches_every_member_and_the_classes_below(api, corpus):
    cytotoxic = DrugClassFactory(slug="antineoplastic-agents", name="antineoplastic agents", atc="L01")
    taxanes = DrugClassFactory(slug="taxanes", name="taxanes", parent=cytotoxic, atc="L01CD", synonyms=["taxane"])
    drugs = [DrugFactory(name=n, slug=n) for n in ("paclitaxel", "docetaxel")]
    for drug in drugs:
        drug.classes.add(taxanes)
    items = [EvidenceFactory(drugs=[drug]) for drug in drugs]
    assert ids(api.get(URL, {"drug": "taxanes"})) == pub(*items)
    assert ids(api.get(URL, {"drug": "Taxane,tamoxifen"})) == pub(*items, corpus["e3"])
    assert ids(api.get(URL, {"drug": "L01CD"})) == pub(*items)  # the ATC code
    assert ids(api.get(URL, {"drug": "antineoplastic agents"})) == pub(*items)  # a broader class
    DrugClassFactory(slug="pd-1-inhibitors", name="PD-1 inhibitors")
    assert ids(api.get(URL, {"drug": "PD-1 inhibitors"})) == set()  # a class with no member yet: no 400
    drug = api.get("/api/v1/drugs/paclitaxel/").json()
    assert drug["classes"] == [{"name": "taxanes", "slug": "taxanes", "atc": "L01CD"}]
    assert {d["slug"] for d in api.get("/api/v1/drugs/", {"drug_class": "L01"}).json()["results"]} == {
        "paclitaxel",
        "docetaxel",
    }
    # The drug list's search reads the classes too: their names, in part, and the vocabulary.
    for q in ("taxane", "L01CD", "antineoplastic agents"):
        assert {d["slug"] for d in api.get("/api/v1/drugs/", {"q": q}).json()["results"]} == {
            "paclitaxel",
            "docetaxel",
        }, q


def test_the_mechanism_list_search_reads_synonyms_and_initials(api, corpus):
    def found(q):
        return {m["slug"] for m in api.get("/api/v1/mechanisms/", {"q": q}).json()["results"]}

    assert found("mesenchymal switch") == found("switch") == found("EMT") == {"emt"}
    assert found("efflux") == {"drug-efflux"}


@pytest.mark.parametrize(
    "params, param, says",
    [
        ({"drug": "doxorubicine"}, "drug", ["No drug is called 'doxorubicine'", "'doxorubicin'"]),
        ({"cargo": "miR-1555555"}, "cargo", ["No cargo is called"]),
        ({"cell": "MCF-77"}, "cell", ["No cell is called 'MCF-77'", "MCF-7"]),
        ({"therapy_class": "chemotheraphy"}, "therapy_class", ["No therapy class", "'Chemotherapy'"]),
        ({"mechanism": "epithelial transitions"}, "mechanism", ["No mechanism", "Epithelial-mesenchymal transition"]),
        ({"level": "Z"}, "level", ["Unknown value 'Z'", "Accepted: A – clinical trial"]),
        ({"subtype": "HER3+"}, "subtype", ["Unknown value 'HER3+'", "Did you mean"]),
        ({"effect": "conferz resistance"}, "effect", ["Did you mean 'confers_resistance'"]),
        ({"dr": "doxorubicin"}, "dr", ["Unknown parameter 'dr'", "drug", "level"]),
        ({"drug": "doxorubicin", "levle": "C"}, "levle", ["Unknown parameter 'levle'"]),
    ],
)
def test_a_value_or_parameter_that_names_nothing_is_a_400_that_helps(api, client, corpus, params, param, says):
    response = api.get(URL, params)
    assert response.status_code == 400, response.content
    message = " ".join(response.json()[param])
    for text in says:
        assert text in message, message
    page = client.get("/evidence/", params)
    assert page.status_code == 400
    assert "Some filters could not be applied" in page.content.decode()


def test_the_other_lists_and_the_pictures_refuse_unknown_parameters_too(api, client, corpus):
    assert api.get("/api/v1/drugs/", {"nmae": "x"}).status_code == 400
    assert api.get("/api/v1/drugs/", {"therapy_class": "Chemotherapy"}).status_code == 200
    assert client.get("/network.json", {"limit": 5, "drug": "ADM"}).status_code == 200
    assert client.get("/network.json", {"limti": 5}).status_code == 400
    assert client.get("/matrix.json", {"rows": "drug", "level": "c"}).status_code == 200
    assert (
        client.get("/api/v1/evidence/", {"page": 1, "page_size": 5, "format": "json", "ordering": "-id"}).status_code
        == 200
    )


def test_the_page_shows_canonical_values_in_its_facets_and_chips(client, corpus):
    page = client.get("/evidence/", {"level": "d", "subtype": "TNBC"}).content.decode()
    assert 'data-facet="level" data-value="D" aria-current="true"' in page.replace("\n", "")


def test_counts_read_canonical_values(api, corpus):
    # The stored counts size a list narrowed by effect: the label must count like the code.
    assert api.get(URL, {"effect": "Confers resistance"}).json()["count"] == 3
    assert api.get(URL, {"effect": "confers_resistance"}).json()["count"] == 3


def test_a_search_that_finds_nothing_suggests_the_nearest_names(api, client, corpus):
    body = api.get(URL, {"q": "doxorubicim adriamicyn"}).json()
    assert body["results"] == []
    names = [s["name"] for s in body["did_you_mean"]]
    assert "doxorubicin" in names or "adriamycin" in names
    assert all(s["kind"] in ("drug", "cargo", "cell", "mechanism") for s in body["did_you_mean"])
    assert "did_you_mean" not in api.get(URL, {"q": "doxorubicin"}).json()
    page = client.get("/evidence/", {"q": "adriamicyn"}).content.decode()
    assert 'data-testid="did-you-mean"' in page and "adriamycin" in page
    search = client.get("/search/", {"q": "adriamicyn", "all": "1"}).content.decode()
    assert 'data-testid="did-you-mean"' in search


def test_the_list_the_api_and_the_search_page_offer_the_same_names(api, client, corpus):
    reader = AnonymousUser()
    offered = did_you_mean_for(reader, "adriamicyn", found=False)
    assert offered and offered == api.get(URL, {"q": "adriamicyn"}).json()["did_you_mean"]
    assert client.get("/evidence/", {"q": "adriamicyn"}).context["did_you_mean"] == offered
    assert client.get("/search/", {"q": "adriamicyn", "all": "1"}).context["did_you_mean"] == offered
    assert did_you_mean_for(reader, "adriamicyn", found=True) is None
    assert did_you_mean_for(reader, "", found=False) is None


def test_the_schema_lists_the_accepted_values(api, db):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/evidence/"]["get"]["parameters"]}
    assert parameters["level"]["schema"]["items"]["enum"] == ["A", "B", "C", "D", "E"]
    assert "TNBC" in parameters["subtype"]["description"]
    assert "in vitro" in parameters["level"]["description"]


def test_a_write_takes_the_names_the_filters_take(curator_api, corpus):
    """A curator names things as the paper does: what ?mechanism=EMT or ?level=in vitro
    reads, a write reads too."""
    body = {
        "statement": "Vesicles from TNBC cells carried the switch.",
        "therapy_class": "endocrine",
        "citation": corpus["e1"].citation_id,
        "effect": "sensitises",
        "evidence_type": "Predictive",
        "level": "in vitro",
        "subtype": "TNBC",
        "mechanisms": ["EMT", "mesenchymal switch"],
        "drugs": ["tamoxifen", {"name": "doxorubicin", "role": "sensitiser"}],
        "confirm_duplicate": True,
    }
    response = curator_api.post("/api/v1/evidence/", body, format="json")
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["level"], item["subtype"], item["effect"], item["evidence_type"]) == (
        "D",
        "tnbc",
        "reverses_resistance",
        "predictive",
    )
    assert item["therapy_class"]["slug"] == "endocrine-therapy"
    assert [m["slug"] for m in item["mechanisms"]] == ["emt"]
    assert {d["slug"]: d["role"] for d in item["drugs"]} == {"tamoxifen": "treatment", "doxorubicin": "modifier"}
    bad = curator_api.post("/api/v1/evidence/", {**body, "level": "in vivo-ish"}, format="json")
    assert bad.status_code == 400 and "level" in bad.json()


@pytest.mark.parametrize(
    "url, query, param, says",
    [
        (URL, "q[]=cisplatin", "q[]", "q takes one value"),
        (URL, "year_min[]=2020", "year_min[]", "year_min takes one value"),
        (URL, "citation[]=99999", "citation[]", "citation takes one value"),
        (URL, "retracted[]=true", "retracted[]", "retracted takes one value"),
        (URL, "ordering[]=-id", "ordering[]", "ordering takes one value"),
        (URL, "page_size[]=1", "page_size[]", "page_size takes one value"),
        (URL, "year_min=2020&year_min=2010", "year_min", "year_min takes one value, and was given 2: '2020', '2010'"),
        (URL, "q=cisplatin&q=tamoxifen", "q", "q takes one value, and was given 2"),
        (URL, "citation=1&citation=2", "citation", "citation takes one value"),
        (URL, "retracted=true&retracted=false", "retracted", "retracted takes one value"),
        (URL, "ordering=-id&ordering=id", "ordering", "ordering takes one value"),
        ("/api/v1/citations/", "year[]=2015", "year[]", "year takes one value"),
        ("/api/v1/citations/", "year=2015&year=2019", "year", "year takes one value"),
        ("/api/v1/drugs/", "q[]=cis", "q[]", "q takes one value"),
    ],
)
def test_a_one_value_parameter_given_as_a_list_is_a_400_not_ignored(api, client, corpus, url, query, param, says):
    """``q[]=`` passed the unknown-parameter check (only list parameters read ``[]``) and was
    ignored, listing everything; a second ``year_min=`` silently replaced the first."""
    response = api.get(f"{url}?{query}")
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()[param])
    page = client.get(f"{url.removeprefix('/api/v1')}?{query}")
    assert page.status_code == 400
    assert "Some filters could not be applied" in page.content.decode()
    assert says.replace("'", "&#x27;") in page.content.decode()


def test_a_list_parameter_still_takes_repeats_and_brackets_and_a_repeat_of_one_value_is_harmless(api, corpus):
    assert api.get(f"{URL}?drug=cisplatin&drug[]=carboplatin&level[]=D&level=c").status_code == 200
    once = api.get(f"{URL}?year_min=2019").json()["count"]
    assert api.get(f"{URL}?year_min=2019&year_min=2019&page=1&page=1").json()["count"] == once


def test_a_list_of_more_values_than_a_filter_takes_is_a_400_not_cut_short(api, client, corpus):
    """The 51st value and after were dropped unsaid: 50 other drugs and cisplatin listed no cisplatin item."""
    drugs = [DrugFactory(name=f"rare-{n}", slug=f"rare-{n}") for n in range(50)]
    rare = EvidenceFactory(drugs=drugs, status=Status.ACCEPTED)
    names = [drug.name for drug in drugs]
    query = {"drug": ",".join([*names, "cisplatin"])}
    response = api.get(URL, query)
    assert response.status_code == 400, response.content
    assert response.json()["drug"] == ["At most 50 values at once; this list has more."]
    assert client.get("/evidence/", query).status_code == 400
    assert ids(api.get(URL, {"drug": ",".join([*names[:49], "cisplatin"])})) == pub(rare, corpus["e2"])


def test_a_name_or_slug_beats_another_terms_initials(api, curator_api, corpus):
    """'EMT' is the slug of epithelial-mesenchymal transition and the initials of endothelial
    mesenchymal transition, listed before it: the write linked, and ?mechanism=EMT listed, the
    endothelial one."""
    MechanismFactory(slug="endmt", name="Endothelial mesenchymal transition")
    found = api.get("/api/v1/evidence/", {"mechanism": "EMT"})
    assert found.status_code == 200
    assert [item["id"] for item in found.json()["results"]] == [corpus["e3"].public_id]
    body = {
        "statement": "Vesicles carried the switch.",
        "therapy_class": "chemotherapy",
        "citation": corpus["c2015"].pk,
        "effect": "confers_resistance",
        "evidence_type": "functional",
        "level": "D",
        "mechanisms": ["EMT"],
        "confirm_duplicate": True,
    }
    response = curator_api.post("/api/v1/evidence/", body, format="json")
    assert response.status_code == 201, response.content
    assert [m["slug"] for m in response.json()["mechanisms"]] == ["emt"]
