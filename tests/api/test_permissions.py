"""Anonymous read (throttled), curator writes through the same endpoints, never a 500."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass
from tests.factories import EvidenceFactory, UserFactory


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/v1/evidence/"),
        ("patch", "/api/v1/evidence/{e1}/"),
        ("put", "/api/v1/evidence/{e1}/"),
        ("post", "/api/v1/citations/"),
        ("post", "/api/v1/drugs/"),
        ("patch", "/api/v1/drugs/doxorubicin/"),
        ("post", "/api/v1/cargos/"),
        ("post", "/api/v1/cells/"),
        ("post", "/api/v1/mechanisms/"),
        ("post", "/api/v1/therapy-classes/"),
    ],
)
def test_the_public_cannot_write(api, corpus, method, url):
    """Not signed in is a 401 that says how to sign in, as the schema declares; not a 403."""
    response = getattr(api, method)(url.format(e1=corpus["e1"].public_id), {"statement": "x"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_a_401(corpus):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token bad")
    response = client.post("/api/v1/evidence/", {"statement": "x"}, format="json")
    assert response.status_code == 401 and response.json() == {"detail": "Invalid token."}
    assert response["WWW-Authenticate"] == "Token"


def test_a_session_still_writes_with_its_csrf_token(corpus, curator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    payload = {"name": "Sessionmab", "therapy_class": "chemotherapy"}
    refused = client.post("/api/v1/drugs/", payload, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = client.get("/api/v1/drugs/", HTTP_ACCEPT="text/html").cookies["csrftoken"].value
    saved = client.post("/api/v1/drugs/", payload, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert saved.status_code == 201, saved.content


def test_a_logged_in_non_curator_cannot_write(corpus):
    client = APIClient()
    client.force_authenticate(UserFactory(username="reader"))
    response = client.post("/api/v1/drugs/", {"name": "x", "therapy_class": "chemotherapy"}, format="json")
    assert response.status_code == 403


def test_delete_is_not_offered(api, curator_api, corpus):
    """No role may delete: a 405 with what the endpoint offers, not a 403 that blames the role."""
    url = f"/api/v1/evidence/{corpus['e1'].public_id}/"
    for client in (curator_api, api):
        response = client.delete(url)
        assert response.status_code == 405, response.content
        assert "DELETE" not in response["Allow"] and "PATCH" in response["Allow"]
    assert curator_api.delete("/api/v1/drugs/doxorubicin/").status_code == 405
    assert Evidence.objects.filter(pk=corpus["e1"].pk).exists()


def test_a_curator_creates_evidence_naming_things_as_papers_do(curator_api, corpus):
    payload = {
        "statement": "Exosomal miR-155 spreads adriamycin resistance to CAFs.",
        "drugs": ["ADM", "cisplatin"],
        "cargos": ["miR-155"],
        "therapy_class": "chemotherapy",
        "mechanisms": ["drug-efflux"],
        "source_cell": "MCF7/ADR",
        "recipient_cell": "caf",
        "effect": "confers_resistance",
        "evidence_type": "functional",
        "level": "D",
        "citation": "https://doi.org/10.1000/ALPHA",
    }
    # The corpus already has miR-155 and doxorubicin from this paper: shown first, saved once confirmed.
    response = curator_api.post("/api/v1/evidence/", payload, format="json")
    assert response.status_code == 400 and corpus["e1"].public_id in response.json()["duplicates"]
    assert "confirm_duplicate: true" in response.json()["confirm_duplicate"][0]
    response = curator_api.post("/api/v1/evidence/", {**payload, "confirm_duplicate": True}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    created = Evidence.objects.get(pk=int(body["id"][3:]))
    assert {d.name for d in created.drugs.all()} == {"doxorubicin", "cisplatin"}
    assert created.cargos.get().symbol == "hsa-miR-155-5p"
    assert created.source_cell == corpus["mcf7adr"] and created.citation == corpus["c2015"]
    assert created.status == "draft" and created.created_by.username == "curator"
    assert body["drugs"][0]["url"].startswith("http://testserver/api/v1/drugs/")


def test_a_curator_writes_with_a_token(corpus, curator):
    token = Token.objects.create(user=curator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    draft = EvidenceFactory(status="draft", created_by=curator, citation=corpus["c2015"])
    response = client.patch(f"/api/v1/evidence/{draft.public_id}/", {"level": "C", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["level"] == "C" and response.json()["version"] == 2


def test_a_stale_version_is_refused(editor_api, corpus):
    url = f"/api/v1/evidence/{corpus['e1'].public_id}/"
    assert editor_api.patch(url, {"level": "C", "version": 1}, format="json").status_code == 200
    response = editor_api.patch(url, {"level": "B", "version": 1}, format="json")
    assert response.status_code == 409 and "version" in response.json()
    assert Evidence.objects.get(pk=corpus["e1"].pk).level == "C"


@pytest.mark.parametrize("version", [0, -1, 2**63])
def test_a_version_no_item_has_is_a_400_not_someone_elses_edit(editor_api, corpus, version):
    """It was a 409 saying someone else had changed the item since version -1."""
    url = f"/api/v1/evidence/{corpus['e1'].public_id}/"
    response = editor_api.patch(url, {"level": "C", "version": version}, format="json")
    assert response.status_code == 400, response.content
    limit = "greater than or equal to 1" if version < 1 else "less than or equal to 2147483647"
    assert response.json() == {"version": [f"Ensure this value is {limit}."]}
    assert Evidence.objects.get(pk=corpus["e1"].pk).level != "C"


def test_an_edit_must_say_which_version_it_is_based_on(editor_api, corpus):
    response = editor_api.patch(f"/api/v1/evidence/{corpus['e1'].public_id}/", {"level": "C"}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    assert Evidence.objects.get(pk=corpus["e1"].pk).level != "C"


def _valid_evidence(corpus, **fields) -> dict:
    """A finding the API accepts, with ``fields`` on top."""
    return {
        "statement": "Valid.",
        "therapy_class": "chemotherapy",
        "effect": "confers_resistance",
        "evidence_type": "functional",
        "level": "D",
        "citation": corpus["c2015"].pk,
        **fields,
    }


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"drugs": ["no-such-drug"]}, "drugs"),
        ({"drugs": "ADM"}, "drugs"),
        ({"cargos": [{"nonsense": True}]}, "cargos"),
        ({"citation": "10.9999/unknown"}, "citation"),
        ({"citation": ["x"]}, "citation"),
        ({"level": "Z"}, "level"),
        ({"therapy_class": None}, "therapy_class"),
        ({"statement": "   "}, "statement"),
        ({"source_cell": 12345}, "source_cell"),
    ],
)
def test_bad_evidence_is_a_400_and_nothing_is_saved(curator_api, corpus, payload, field):
    before = Evidence.objects.count()
    response = curator_api.post("/api/v1/evidence/", _valid_evidence(corpus, **payload), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Evidence.objects.count() == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("cargos", {"hsa-mir-21-5p": 1}),
        ("cargos", {}),
        ("drugs", {"cisplatin": "modifier"}),
        ("mechanisms", {"drug-efflux": True}),
    ],
)
def test_an_object_where_a_list_of_names_belongs_is_a_400(curator_api, corpus, field, value):
    """It was read as the list of its keys: {"cisplatin": "modifier"} saved cisplatin as a treatment."""
    payload = _valid_evidence(corpus, confirm_duplicate=True, **{field: value})
    before = Evidence.objects.count()
    response = curator_api.post("/api/v1/evidence/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {field: ['Expected a list of items but got type "dict".']}
    assert Evidence.objects.count() == before


def test_a_cargo_name_of_several_cargos_is_a_400_naming_them(curator_api, corpus):
    from tests.factories import CargoFactory

    for arm in ("5p", "3p"):
        CargoFactory(symbol=f"hsa-miR-155-{arm}", slug=f"hsa-mir-155-{arm}", kind="mirna")
    before = Evidence.objects.count()
    response = curator_api.post(
        "/api/v1/evidence/",
        {
            "statement": "Exosomal miR-155 confers resistance.",
            "cargos": ["miR-155"],
            "therapy_class": "chemotherapy",
            "effect": "confers_resistance",
            "evidence_type": "functional",
            "level": "D",
            "citation": corpus["c2015"].pk,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["cargos"] == [
        "'miR-155' names several cargo molecules: hsa-miR-155-3p; hsa-miR-155-5p; give one of these names."
    ]
    assert Evidence.objects.count() == before


def test_a_curator_creates_a_citation_with_a_normalised_doi(curator_api, db):
    response = curator_api.post(
        "/api/v1/citations/",
        {"doi": "https://doi.org/10.1038/S41419-020-2250-5", "title": "T", "year": 2020, "pmid": "PMID: 123"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Citation.objects.get().doi == "10.1038/s41419-020-2250-5"
    assert Citation.objects.get().pmid == "123"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"doi": "not-a-doi"}, "doi"),
        ({"doi": "doi:10.1000/ALPHA"}, "doi"),  # the same DOI in another spelling
        ({"pmid": "12ab"}, "pmid"),
        ({"doi": "doi:"}, "doi"),  # a prefix with nothing after it
        ({"doi": "https://doi.org/"}, "doi"),
        ({"pmid": "PMID: "}, "pmid"),
        ({"retracted": True}, "retraction_note"),
        ({"year": "MMXX"}, "year"),
        ({"authors": "Smith"}, "authors"),
    ],
)
def test_a_bad_citation_is_a_400(curator_api, corpus, payload, field):
    response = curator_api.post("/api/v1/citations/", {"title": "T", **payload}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    "year, says",
    [
        (0, "greater than or equal to 1000"),
        (999, "greater than or equal to 1000"),
        (32767, "less than or equal to 2999"),
    ],
)
def test_a_year_the_importers_would_refuse_is_a_400(curator_api, db, year, says):
    """The API stored 0 (shown as 'n.d.') and 32767, which a reference import calls 'not a year'."""
    response = curator_api.post("/api/v1/citations/", {"title": "T", "year": year}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"year": [f"Ensure this value is {says}."]}
    assert not Citation.objects.exists()


@pytest.mark.parametrize(
    "key, reads_as",
    [("10.1000/alpha", "a DOI"), ("https://doi.org/10.1000/x", "a DOI"), ("111", "a PMID"), ("PMID: 5", "a PMID")],
)
def test_a_bibtex_key_that_reads_as_a_doi_or_pmid_is_a_400(curator_api, corpus, key, reads_as):
    """It was saved, but a citation is looked up by DOI, then PMID (or id), then key: it named
    no citation, or another one (10.1000/alpha is the DOI of c2015)."""
    before = Citation.objects.count()
    response = curator_api.post("/api/v1/citations/", {"title": "T", "bibtex_key": key}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {
        "bibtex_key": [f"{key!r} reads as {reads_as}, so it cannot be this citation's key: give a key like smith2019."]
    }
    assert Citation.objects.count() == before


def test_a_bare_identifier_prefix_is_named_in_the_error(curator_api, db):
    response = curator_api.post("/api/v1/citations/", {"title": "T", "doi": "doi:"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["doi"] == ["'doi:' holds no DOI."]
    assert not Citation.objects.exists()


def _letters(n: int, seed: int) -> str:
    """``n`` letters that do not compress: what PostgreSQL's index limit is measured on."""
    import random
    import string

    return "".join(random.Random(seed).choices(string.ascii_letters, k=n))


@pytest.mark.parametrize(
    "payload, field, says",
    [
        ({"title": _letters(3000, 1)}, "title", "The title is 3,000 characters long; at most 2,000 fit"),
        (
            {"title": "T", "authors": [f"{_letters(12, i)}, {_letters(6, -i)}" for i in range(250)]},
            "authors",
            "Its 250 authors make a list of",
        ),
    ],
    ids=["title", "250 authors"],
)
def test_a_citation_too_long_for_its_index_is_a_400_not_a_503(curator_api, db, payload, field, says):
    """PostgreSQL refused the sort index's entry ('index row size exceeds btree maximum'), which
    was answered as a database outage: a 503 asking to retry."""
    response = curator_api.post("/api/v1/citations/", payload, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(says)
    assert not Citation.objects.exists()


def test_a_curator_creates_a_drug_with_aliases(curator_api, corpus):
    response = curator_api.post(
        "/api/v1/drugs/",
        {"name": "epirubicin", "therapy_class": "Chemotherapy", "aliases": ["EPI", "Ellence"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Drug.objects.matching("EPI").get().slug == "epirubicin"
    assert response.json()["aliases"] == ["EPI", "Ellence"]
    duplicate = curator_api.post("/api/v1/drugs/", {"name": "epirubicin", "therapy_class": "chemotherapy"}, "json")
    assert duplicate.status_code == 400


@pytest.mark.parametrize("alias", ["!!!", "--", "中文"])
def test_an_alias_no_search_could_find_is_a_400(curator_api, corpus, alias):
    """It was dropped without a word (its lookup key is empty): 201, and the alias was not there."""
    before = Drug.objects.count()
    response = curator_api.post(
        "/api/v1/drugs/", {"name": "epirubicin", "therapy_class": "chemotherapy", "aliases": ["EPI", alias]}, "json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {
        "aliases": [f"{alias!r} cannot be looked up: a name needs a Latin or Greek letter or a digit."]
    }
    assert Drug.objects.count() == before


@pytest.mark.parametrize(
    "url, payload, says",
    [
        ("/api/v1/drugs/", {"name": "Doxorubicin", "slug": "doxo-2", "therapy_class": "chemotherapy"}, "drug"),
        ("/api/v1/cells/", {"name": "MCF7", "slug": "mcf7-again", "kind": "cell_line"}, "cell"),
    ],
)
def test_a_second_record_of_the_same_name_is_a_400(curator_api, corpus, url, payload, says):
    """'Doxorubicin' beside doxorubicin was saved: two drugs, each finding linked to one of them."""
    model = Drug if says == "drug" else Cell
    before = model.objects.count()
    response = curator_api.post(url, payload, format="json")
    assert response.status_code == 400, response.content
    existing = "doxorubicin" if says == "drug" else "MCF-7"
    assert response.json() == {
        "name": [
            f"{payload['name']!r} is the {says} {existing} already (names are compared ignoring case and "
            "punctuation): add it as an alias of that one, or give a name that differs."
        ]
    }
    assert model.objects.count() == before


def test_a_resistant_line_needs_its_parent(curator_api, corpus):
    response = curator_api.post("/api/v1/cells/", {"name": "T47D/TR", "kind": "resistant_line"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()
    response = curator_api.post(
        "/api/v1/cells/", {"name": "MCF-7/TAMR", "kind": "resistant_line", "parent": "MCF7"}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "parent, message",
    [
        ("MCF-7", "A cell cannot be its own parent."),
        # MCF-7/ADR derives from MCF-7: MCF-7 deriving from it would make each the other's parent.
        ("MCF-7/ADR", "MCF-7 cannot derive from MCF-7/ADR: MCF-7/ADR derives from MCF-7."),
    ],
)
def test_a_cell_cannot_derive_from_itself(editor_api, corpus, parent, message):
    """A cycle was saved: each line the other's parental line."""
    before = list(Cell.objects.order_by("pk").values_list("pk", "parent_id"))
    modified = editor_api.get("/api/v1/cells/mcf-7/").json()["modified"]
    response = editor_api.patch("/api/v1/cells/mcf-7/", {"parent": parent, "modified": modified}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"parent": [message]}
    assert list(Cell.objects.order_by("pk").values_list("pk", "parent_id")) == before


def test_anonymous_reads_are_throttled_per_ip(db, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    client = APIClient()
    statuses = [client.get("/api/v1/drugs/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/drugs/", REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.parametrize(
    "url, change",
    [
        ("/api/v1/citations/{c2015}/", {"retracted": True, "retraction_note": "Retracted 2024."}),
        ("/api/v1/citations/{c2015}/", {"title": "A different paper"}),
        ("/api/v1/citations/{c2015}/", {"doi": "10.1000/other"}),
        ("/api/v1/drugs/doxorubicin/", {"name": "doxorubicin hydrochloride"}),
        ("/api/v1/drugs/doxorubicin/", {"aliases": ["cisplatin"]}),
        ("/api/v1/cargos/hsa-mir-155-5p/", {"mirbase": "MIMAT0000001"}),
        ("/api/v1/cells/mcf-7/", {"cellosaurus": "CVCL_0031"}),
        ("/api/v1/mechanisms/emt/", {"name": "Stemness"}),
        ("/api/v1/therapy-classes/chemotherapy/", {"name": "Endocrine"}),
    ],
)
def test_names_identifiers_and_retraction_of_existing_records_need_an_editor(
    curator_api, editor_api, corpus, url, change
):
    """Issue 15, item 6: a curator's PATCH of a public reference record is a 403 and saves
    nothing; an editor's goes through and is in the history with its author."""
    url = url.format(c2015=corpus["c2015"].pk)
    before = curator_api.get(url).json()
    response = curator_api.patch(url, {**change, "modified": before["modified"]}, format="json")
    assert response.status_code == 403, response.content
    assert "Only editors may change" in response.json()["detail"]
    assert curator_api.get(url).json() == before
    response = editor_api.patch(url, {**change, "modified": before["modified"]}, format="json")
    assert response.status_code == 200, response.content


def test_a_curator_still_edits_descriptions_and_resends_unchanged_names(curator_api, corpus):
    before = curator_api.get("/api/v1/drugs/doxorubicin/").json()
    response = curator_api.patch(
        "/api/v1/drugs/doxorubicin/",
        {
            "name": before["name"],
            "aliases": before["aliases"],
            "description": "An anthracycline.",
            "modified": before["modified"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    drug = Drug.objects.get(slug="doxorubicin")
    assert drug.description == "An anthracycline."
    assert drug.history.first().history_user.username == "curator"


def _history_reasons(records) -> set[tuple]:
    """Who and why, as each version recorded them."""
    return {(r.history_user.username if r.history_user else None, r.history_change_reason) for r in records}


def test_an_evidence_item_written_through_the_api_says_who_and_why_in_its_history(curator_api, corpus):
    payload = {
        "statement": "Exosomal P-gp spreads carboplatin resistance.",
        "drugs": ["carboplatin", {"name": "cisplatin", "role": "modifier"}],
        "cargos": ["P-gp"],
        "mechanisms": ["drug-efflux"],
        "therapy_class": "chemotherapy",
        "effect": "confers_resistance",
        "evidence_type": "functional",
        "level": "D",
        "citation": "10.1000/gamma",
    }
    response = curator_api.post("/api/v1/evidence/", payload, format="json")
    assert response.status_code == 201, response.content
    created = Evidence.objects.get(pk=int(response.json()["id"][3:]))
    # The item's save and each link to a cargo, drug or mechanism is a version of its own.
    assert created.history.count() > 1
    assert _history_reasons(created.history.all()) == {("curator", "Created via API")}
    response = curator_api.patch(f"/api/v1/evidence/{created.public_id}/", {"level": "C", "version": 1}, "json")
    assert response.status_code == 200, response.content
    edited = created.history.exclude(history_change_reason="Created via API")
    assert edited.exists() and _history_reasons(edited) == {("curator", "Edited via API")}


@pytest.mark.parametrize(
    "url, payload, change, model",
    [
        ("/api/v1/citations/", {"title": "A new paper", "doi": "10.1000/new"}, {"title": "Its title"}, Citation),
        (
            "/api/v1/drugs/",
            {"name": "epirubicin", "therapy_class": "chemotherapy", "aliases": ["EPI"]},
            {"aliases": ["EPI", "Ellence"]},
            Drug,
        ),
        ("/api/v1/cargos/", {"symbol": "ABCG2", "kind": "protein", "aliases": ["BCRP"]}, {"aliases": ["MXR"]}, Cargo),
        ("/api/v1/cells/", {"name": "T47D", "kind": "cell_line", "aliases": ["HTB-133"]}, {"description": "x"}, Cell),
        (
            "/api/v1/mechanisms/",
            {"name": "Apoptosis evasion", "slug": "apoptosis-evasion"},
            {"description": "x"},
            Mechanism,
        ),
        (
            "/api/v1/therapy-classes/",
            {"name": "Immunotherapy", "slug": "immunotherapy"},
            {"description": "x"},
            TherapyClass,
        ),
    ],
)
def test_every_record_written_through_the_api_says_who_and_why_in_its_history(
    editor_api, corpus, url, payload, change, model
):
    response = editor_api.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    record = model.objects.get(pk=created["id"])
    aliases = record.aliases.model.history.filter(entity_id=record.pk) if hasattr(record, "aliases") else None
    assert _history_reasons(record.history.all()) == {("editor", "Created via API")}
    if aliases is not None:
        assert _history_reasons(aliases) == {("editor", "Created via API")}
    detail = f"{url}{created.get('slug') or created['id']}/"
    response = editor_api.patch(detail, {**change, "modified": created["modified"]}, format="json")
    assert response.status_code == 200, response.content
    assert _history_reasons(record.history.filter(history_type="~")) == {("editor", "Edited via API")}
    if "aliases" in change:  # the old aliases deleted, the new ones created: versions too
        edited = aliases.exclude(history_change_reason="Created via API")
        assert edited.exists() and _history_reasons(edited) == {("editor", "Edited via API")}
