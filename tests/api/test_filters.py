"""Every evidence filter of the contract, synonyms and combinations included."""

import pytest
from django.http import QueryDict

from evidence.filtersets import EvidenceFilterSet
from evidence.models import Evidence
from tests.api.helpers import ids, pub

URL = "/api/v1/evidence/"


@pytest.fixture
def corpus(corpus_for_module, db):
    # Built once per module: no test here changes its objects in memory.
    return corpus_for_module


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"drug": "doxorubicin"}, ["e1", "e2"]),
        ({"drug": "ADM"}, ["e1", "e2"]),
        ({"drug": "adriamycin"}, ["e1", "e2"]),
        ({"drug": "DOXORUBICIN"}, ["e1", "e2"]),
        ({"drug": "cisplatin,carboplatin"}, ["e2", "e4"]),
        ({"drug": ["cisplatin", "carboplatin"]}, ["e2", "e4"]),
        # Both spellings of a list at once: each value counts, as the facets read them.
        ({"drug": "cisplatin", "drug[]": "carboplatin"}, ["e2", "e4"]),
        ({"cargo": "miR-155"}, ["e1"]),
        ({"cargo": "hsa-miR-155-5p"}, ["e1"]),
        ({"cargo": "P-gp"}, ["e2"]),
        ({"cargo": "pgp"}, ["e2"]),
        ({"cargo": "miR-155,miR-21"}, ["e1", "e3", "e4"]),
        ({"cargo_type": "protein"}, ["e2"]),
        ({"cargo_type": "mirna"}, ["e1", "e3", "e4"]),
        ({"therapy_class": "endocrine-therapy"}, ["e3"]),
        ({"therapy_class": "chemotherapy"}, ["e1", "e2", "e4"]),
        ({"mechanism": "drug-efflux"}, ["e1", "e2"]),  # a parent term includes its children
        ({"mechanism": "abc-transporter"}, ["e1"]),
        ({"mechanism": "emt,abc-transporter"}, ["e1", "e3"]),
        ({"source_cell": "MCF7/ADR"}, ["e1", "e2"]),
        ({"source_cell": "caf"}, ["e3"]),
        ({"recipient_cell": "mcf 7"}, ["e1", "e2", "e3"]),
        ({"cell": "CAF"}, ["e3"]),
        ({"cell": "MCF-7"}, ["e1", "e2", "e3"]),
        ({"effect": "biomarker"}, ["e3"]),
        ({"effect": "confers_resistance"}, ["e1", "e2", "e4"]),
        ({"level": "A"}, ["e4"]),
        ({"level": "C,D"}, ["e1", "e2"]),
        ({"level": ["B", "A"]}, ["e3", "e4"]),
        ({"evidence_type": "predictive"}, ["e1", "e2", "e3", "e4"]),
        ({"subtype": "tnbc"}, ["e2"]),
        ({"subtype": "luminal,tnbc"}, ["e1", "e2"]),
        ({"cancer_type": "Ductal Carcinoma"}, ["e3"]),
        ({"year_min": 2019}, ["e2", "e3", "e4"]),
        ({"year_max": 2019}, ["e1", "e2", "e4"]),
        ({"year_min": 2016, "year_max": 2020}, ["e2", "e4"]),
        ({"doi": "https://doi.org/10.1000/ALPHA"}, ["e1"]),
        ({"doi": "10.1000/alpha,10.1000/gamma"}, ["e1", "e3"]),
        ({"pmid": "222"}, ["e2", "e4"]),
        ({"pmid": "PMID: 111"}, ["e1"]),
        ({"retracted": "true"}, ["e3"]),
        ({"retracted": "false"}, ["e1", "e2", "e4"]),
        ({"q": "multidrug"}, ["e2"]),  # statement
        ({"q": "adriamycin"}, ["e1", "e2"]),  # a drug alias
        ({"q": "P-glyco"}, ["e2"]),  # a cargo's full name
        ({"q": "MCF-7/ADR"}, ["e1", "e2"]),  # a cell name
        ({"q": "retracted tale"}, ["e3"]),  # the citation title
        ({"q": "nothing matches this"}, []),
        # combinations: AND across parameters, OR within one
        ({"drug": "ADM", "cargo": "miR-155"}, ["e1"]),
        ({"drug": "ADM", "level": "C"}, ["e2"]),
        ({"drug": "doxorubicin,tamoxifen", "cell": "CAF"}, ["e3"]),
        ({"therapy_class": "chemotherapy", "year_min": 2016, "retracted": "false", "cargo_type": "mirna"}, ["e4"]),
        ({"q": "multidrug", "drug": "tamoxifen"}, []),
        ({"q": "exosomal", "drug": "tamoxifen"}, ["e3"]),  # "exosomes" by stem
    ],
)
def test_it_filters_evidence(api, corpus, django_assert_max_num_queries, params, expected):
    with django_assert_max_num_queries(12):
        response = api.get(URL, params)
    assert ids(response) == pub(*(corpus[name] for name in expected))


def test_drafts_never_match_a_filter_anonymously(api, corpus):
    assert corpus["draft"].public_id not in ids(api.get(URL, {"q": "SECRET"}))
    assert corpus["draft"].public_id not in ids(api.get(URL, {"drug": "ADM", "cargo": "miR-155"}))


def test_curators_see_drafts_and_filter_by_status(curator_api, corpus):
    assert ids(curator_api.get(URL, {"status": "draft"})) == pub(corpus["draft"])


@pytest.mark.parametrize(
    "params, field",
    [
        ({"level": "Z"}, "level"),
        ({"effect": "makes_coffee"}, "effect"),
        ({"cargo_type": "mirna,banana"}, "cargo_type"),
        ({"subtype": "x"}, "subtype"),
        ({"year_min": "last year"}, "year_min"),
        ({"year_max": "99999999999999999999"}, "year_max"),
        ({"retracted": "perhaps"}, "retracted"),
        ({"ordering": "statement"}, "ordering"),
        ({"citation": "-3"}, "citation"),
    ],
)
def test_it_rejects_a_bad_filter_value_with_a_message(api, corpus, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("url", [URL, "/api/v1/citations/"])
@pytest.mark.parametrize("pmid", ["abc", "-1", "PMID:", "0", "1234567890", "111x", "１１１"])
def test_a_pmid_that_is_no_pubmed_id_is_a_400_not_an_empty_list(api, client, corpus, url, pmid):
    """pmid=abc listed nothing, as if no paper matched, where year_min=abc and citation=abc are a 400."""
    response = api.get(url, {"pmid": f"111,{pmid}"})
    assert response.status_code == 400, response.content
    assert response.json()["pmid"] == [f"{pmid!r} is not a PubMed id: a PMID is a number of up to nine digits."]
    assert client.get(url.removeprefix("/api/v1"), {"pmid": pmid}).status_code == 400


def test_a_pmid_in_any_usual_form_still_filters(api, corpus):
    assert ids(api.get(URL, {"pmid": " pmid: 111 , PMID 222"})) == pub(corpus["e1"], corpus["e2"], corpus["e4"])


@pytest.mark.parametrize(
    "ordering, first, last",
    [("level", "e4", "e1"), ("-level", "e1", "e4"), ("year", "e1", "e3"), ("-year", "e3", "e1"), ("id", "e1", "e4")],
)
def test_it_orders_evidence(api, corpus, ordering, first, last):
    results = api.get(URL, {"ordering": ordering}).json()["results"]
    assert results[0]["id"] == corpus[first].public_id
    assert results[-1]["id"] == corpus[last].public_id


def test_the_default_order_is_newest_first(api, corpus):
    results = api.get(URL).json()["results"]
    assert [r["id"] for r in results] == [corpus[n].public_id for n in ("e4", "e3", "e2", "e1")]


def test_a_hostile_search_is_cut_and_harmless(api, corpus):
    assert api.get(URL, {"q": "%_\\" * 500}).status_code == 200
    # A NUL byte in the address is refused before any view runs (exoresist.middleware).
    response = api.get(URL, {"q": "x\x00y"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize(
    "url, params, expected",
    [
        ("/api/v1/drugs/", {"q": "ADM"}, {"doxorubicin"}),
        ("/api/v1/drugs/", {"q": "platin"}, {"cisplatin", "carboplatin"}),
        ("/api/v1/drugs/", {"therapy_class": "endocrine-therapy"}, {"tamoxifen"}),
        ("/api/v1/drugs/", {"drug_class": "serm"}, {"tamoxifen"}),
        ("/api/v1/cargos/", {"q": "miR-155"}, {"hsa-miR-155-5p"}),
        ("/api/v1/cargos/", {"q": "P-gp"}, {"ABCB1"}),
        ("/api/v1/cargos/", {"kind": "protein"}, {"ABCB1"}),
        ("/api/v1/cargos/", {"therapy_class": "endocrine-therapy"}, {"hsa-miR-21-5p"}),
        ("/api/v1/cells/", {"q": "MCF-7"}, {"MCF-7", "MCF-7/ADR"}),
        ("/api/v1/cells/", {"q": "mcf7"}, {"MCF-7"}),
        ("/api/v1/cells/", {"kind": "fibroblast"}, {"CAF"}),
        ("/api/v1/mechanisms/", {"parent": "drug-efflux"}, {"ABC transporter upregulation"}),
        ("/api/v1/mechanisms/", {"q": "mesenchymal"}, {"Epithelial-mesenchymal transition"}),
        ("/api/v1/therapy-classes/", {"q": "endo"}, {"Endocrine therapy"}),
    ],
)
def test_it_filters_the_vocabularies(api, corpus, url, params, expected):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    names = {item.get("name") if "symbol" not in item else item["symbol"] for item in response.json()["results"]}
    assert names == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"doi": "doi:10.1000/BETA"}, {"c2019"}),
        ({"pmid": "111,333"}, {"c2015", "c2022"}),
        ({"year": 2019}, {"c2019"}),
        ({"retracted": "true"}, {"c2022"}),
        ({"q": "tamoxifen"}, {"c2019"}),
        ({"q": "Smith"}, {"c2015", "c2019", "c2022"}),
        ({"q": "Extracell"}, {"c2015", "c2019", "c2022"}),
    ],
)
def test_it_filters_citations(api, corpus, params, expected):
    response = api.get("/api/v1/citations/", params)
    assert {item["id"] for item in response.json()["results"]} == {corpus[n].pk for n in expected}


def test_counts_are_of_accepted_evidence_only(api, corpus):
    from evidence.models import Cargo, Citation, Drug

    drugs = {d["name"]: d["evidence_count"] for d in api.get("/api/v1/drugs/").json()["results"]}
    assert drugs["doxorubicin"] == 2  # e1, e2; the draft does not count
    assert drugs == {d.name: d.evidence_count for d in Drug.objects.with_counts()}
    cargos = {c["symbol"]: c["evidence_count"] for c in api.get("/api/v1/cargos/").json()["results"]}
    assert cargos == {c.symbol: c.evidence_count for c in Cargo.objects.with_counts()}
    citations = {c["id"]: c["evidence_count"] for c in api.get("/api/v1/citations/").json()["results"]}
    assert citations == {c.pk: c.evidence_count for c in Citation.objects.with_counts()}
    ordered = api.get("/api/v1/drugs/", {"ordering": "-evidence_count"}).json()["results"]
    assert ordered[0]["name"] == "doxorubicin"


def test_filtersets_share_declarations_but_filter_with_their_own_values(corpus):
    dox = EvidenceFilterSet(QueryDict("drug=doxorubicin"), queryset=Evidence.objects.all())
    tam = EvidenceFilterSet(QueryDict("drug=tamoxifen"), queryset=Evidence.objects.all())
    assert dox.filters["drug"] is not tam.filters["drug"]
    assert (dox.filters["drug"].parent, tam.filters["drug"].parent) == (dox, tam)
    assert not hasattr(EvidenceFilterSet.base_filters["drug"], "parent")
    assert dox.form.__class__ is tam.form.__class__  # built once per class
    assert set(dox.qs) == set(Evidence.objects.filter(drugs__name="doxorubicin"))
    assert set(tam.qs) == set(Evidence.objects.filter(drugs__name="tamoxifen"))
    assert set(dox.qs).isdisjoint(tam.qs)


def test_a_citation_search_with_no_doi_in_it_does_not_list_the_papers_without_one(api, db):
    """``q=doi:`` normalised to no DOI, and ``doi=None`` matched every paper without a DOI."""
    from tests.factories import CitationFactory, EvidenceFactory

    EvidenceFactory(citation=CitationFactory(doi=None, title="A conference abstract"))
    with_doi = EvidenceFactory(citation=CitationFactory(doi="10.1000/delta", title="Paper with a DOI"))
    assert api.get("/api/v1/citations/", {"q": "doi:"}).json()["results"] == []
    found = api.get("/api/v1/citations/", {"q": "doi: 10.1000/DELTA"}).json()["results"]
    assert [item["id"] for item in found] == [with_doi.citation_id]


@pytest.mark.parametrize("url", ["/evidence/", URL])
def test_a_drug_name_is_resolved_once_per_request(client, corpus, url):
    # The list, each facet's own FilterSet and the stored counts all read drug=.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"drug": "adriamycin", "level": "D"}).status_code == 200
    resolving = 'SELECT "evidence_drug"."id" AS "pk", (SELECT'  # each matched drug: is it public?
    name = 'FROM "evidence_drug" WHERE ("evidence_drug"."key" IN'
    sqls = [query["sql"] for query in captured.captured_queries]
    assert sum(sql.startswith(resolving) and name in sql for sql in sqls) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"cargo": "anti-mir-142-3p-lna"},
        {"cell": "car-t-cell"},
        {"recipient_cell": "car-t-cell"},
        {"source_cell": "patient-blood"},
        {"cell": "Patient-Blood"},
    ],
)
def test_an_entity_is_found_by_its_slug_where_no_name_has_that_key(api, db, params):
    """The slugs the API shows are values its filters take, though no name gives that key."""
    from evidence.choices import CargoKind
    from tests.factories import CargoFactory, CellAliasFactory, CellFactory, EvidenceFactory

    lna = CargoFactory(symbol="LNA anti-miR-142-3p", slug="anti-mir-142-3p-lna", kind=CargoKind.SIRNA)
    cart = CellFactory(name="mesothelin-targeted CAR-T cells", slug="car-t-cell")
    CellAliasFactory(entity=cart, name="CAR-T")
    blood = CellFactory(name="patient peripheral blood", slug="patient-blood")
    item = EvidenceFactory(cargos=[lna], source_cell=blood, recipient_cell=cart)
    EvidenceFactory()  # one that none of these values finds
    response = api.get(URL, params)
    assert ids(response) == pub(item)
    assert response.json()["count"] == 1  # the stored counts read a slug as the filter does


@pytest.mark.parametrize(
    "url, params",
    [
        ("/api/v1/mechanisms/", {"parent": "nonexistent"}),
        ("/api/v1/mechanisms/", {"parent": "drug-efflux,nonexistent"}),
        ("/api/v1/drugs/", {"drug_class": "bogus"}),
        ("/api/v1/drugs/", {"drug_class": "SERM,bogus"}),
    ],
)
def test_a_vocabulary_value_that_names_nothing_is_refused_naming_its_parameter(api, corpus, url, params):
    response = api.get(url, params)
    assert response.status_code == 400
    [name] = params
    assert "bogus" in str(response.json()[name]) or "nonexistent" in str(response.json()[name])


@pytest.mark.parametrize(
    "url, params, expected",
    [
        # A parent by slug, name or initials, as mechanism= takes it.
        ("/api/v1/mechanisms/", {"parent": "Drug efflux"}, {"ABC transporter upregulation"}),
        ("/api/v1/mechanisms/", {"parent": "DRUG-EFFLUX"}, {"ABC transporter upregulation"}),
        ("/api/v1/mechanisms/", {"parent": "emt"}, set()),  # a term without narrower ones
        # A class of the vocabulary by name, synonym or ATC code; or a drug's class as written.
        ("/api/v1/drugs/", {"drug_class": "anti-estrogens"}, {"tamoxifen"}),
        ("/api/v1/drugs/", {"drug_class": "L02BA"}, {"tamoxifen"}),
    ],
)
def test_vocabulary_parents_and_drug_classes_resolve_like_other_names(api, corpus, url, params, expected):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    assert {item["name"] for item in response.json()["results"]} == expected


def test_a_drug_class_written_on_a_drug_only_is_a_valid_value(api, corpus):
    from tests.factories import DrugFactory, EvidenceFactory

    EvidenceFactory(drugs=[DrugFactory(name="chloroquine", slug="chloroquine", drug_class="autophagy inhibitor")])
    response = api.get("/api/v1/drugs/", {"drug_class": "Autophagy inhibitor"})
    assert response.status_code == 200, response.content
    assert [item["name"] for item in response.json()["results"]] == ["chloroquine"]
    response = api.get("/api/v1/drugs/", {"drug_class": "autophagy inhibiter"})
    assert response.status_code == 400 and "autophagy inhibitor" in str(response.json()["drug_class"])


@pytest.mark.parametrize(
    "url, ordering, first",
    [
        ("/api/v1/mechanisms/", "name", "ABC transporter upregulation"),
        ("/api/v1/mechanisms/", "-name", "Epithelial-mesenchymal transition"),
        ("/api/v1/mechanisms/", "-evidence_count", "Drug efflux"),  # with its narrower term's items
        ("/api/v1/therapy-classes/", "-name", "Endocrine therapy"),
        ("/api/v1/therapy-classes/", "-evidence_count", "Chemotherapy"),
    ],
)
def test_mechanisms_and_therapy_classes_take_ordering(api, corpus, url, ordering, first):
    response = api.get(url, {"ordering": ordering})
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["name"] == first


@pytest.mark.parametrize(
    "text, values",
    [
        ("1,25-dihydroxyvitamin D3", ["1,25-dihydroxyvitamin D3"]),
        ("1,2,3-triazole,tamoxifen", ["1,2,3-triazole", "tamoxifen"]),
        ("N,N'-dimethylformamide", ["N,N'-dimethylformamide"]),
        ("tamoxifen,2,4-D", ["tamoxifen", "2,4-D"]),
        ("doxorubicin,5-FU", ["doxorubicin", "5-FU"]),
        ("miR-21,miR-155", ["miR-21", "miR-155"]),
        ("111,222", ["111", "222"]),
        ("10.1000/a, 10.1000/b", ["10.1000/a", "10.1000/b"]),
    ],
)
def test_a_comma_list_keeps_a_chemical_name_whole(text, values):
    from evidence.filtersets import split_values

    assert split_values([text]) == values


def test_a_drug_whose_name_has_a_comma_is_found_by_its_pages_links(api, client, corpus):
    from tests.factories import DrugFactory, EvidenceFactory

    calcitriol = DrugFactory(name="1,25-dihydroxyvitamin D3", slug="calcitriol")
    item = EvidenceFactory(status="accepted", drugs=[calcitriol])
    page = client.get(calcitriol.get_absolute_url())
    listed = client.get(page.context["all_evidence_url"])
    assert listed.status_code == 200 and [row.pk for row in listed.context["page"]] == [item.pk]
    both = api.get("/api/v1/evidence/", {"drug": f"{calcitriol.name},doxorubicin"})
    assert both.status_code == 200, both.content
    assert pub(item) < ids(both)  # and the doxorubicin items
