"""Cargo families and targets (issue 11, item 4): a cargo filter reaches records filed under
the cargo's family or its members and records about an agent that silences it, the
evidence page says why a record matched, and every count of a cargo is what its link lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.models import Cargo, CargoReach, Evidence
from evidence.models.counts import counts_are_stale
from evidence.site import graphs
from exoresist import data_version
from tests.api.helpers import ids, pub
from tests.factories import CargoAliasFactory, CargoFactory, DrugFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def related(corpus):
    family = CargoFactory(symbol="TGF-β", slug="tgf-beta", kind="protein")
    member = CargoFactory(symbol="TGFB1", slug="tgfb1", kind="protein", family=family)
    CargoAliasFactory(entity=member, name="TGF-β1")
    target = CargoFactory(symbol="hsa-miR-214", slug="hsa-mir-214", kind="mirna")
    agent = CargoFactory(symbol="anti-miR-214", slug="anti-mir-214", kind="sirna")
    agent.targets.add(target)
    return {
        "family_item": EvidenceFactory(cargos=[family], statement="Exosomal TGF-β (isoform not given)."),
        "member_item": EvidenceFactory(cargos=[member], statement="Exosomal TGF-β1."),
        "agent_item": EvidenceFactory(cargos=[agent], statement="Exosomes delivered anti-miR-214."),
        "target_item": EvidenceFactory(cargos=[target], statement="Exosomal miR-214."),
        "family": family,
        "member": member,
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        ("TGFB1", ["family_item", "member_item"]),  # a gene reaches the record filed under its family
        ("TGF-β1", ["family_item", "member_item"]),  # by an alias too
        ("tgf-beta", ["family_item", "member_item"]),  # a family reaches its members
        ("miR-214", ["agent_item", "target_item"]),  # a miRNA reaches the agent that silences it
        ("anti-miR-214", ["agent_item"]),  # but an agent is only itself
    ],
)
def test_a_cargo_filter_reaches_family_and_silencing_agents(api, related, value, expected):
    response = api.get("/api/v1/evidence/", {"cargo": value})
    assert response.status_code == 200, response.content
    assert ids(response) == pub(*(related[name] for name in expected))
    assert response.json()["count"] == len(expected)  # not the stored count of the one cargo


def test_the_evidence_list_says_why_a_record_matched(client, related):
    page = client.get("/evidence/", {"cargo": "TGFB1"}).content.decode()
    assert "Matched through TGF-β: family of TGFB1" in page
    page = client.get("/evidence/", {"cargo": "miR-214"}).content.decode()
    assert "Matched through anti-miR-214: targets hsa-miR-214" in page
    assert page.count("Matched through") == 1  # the miR-214 record matched directly


def test_a_cargo_filter_says_why_it_took_each_cargo_by_the_closest_relation(related):
    """Of several relations, the note names the closest (itself, its family, a member, an
    agent), through the first cargo by symbol: one query on ``evidence_cargo_reach``."""
    family, member = related["family"], related["member"]
    sibling = CargoFactory(symbol="TGFB2", kind="protein", family=family)
    agent = CargoFactory(symbol="siTGFB", kind="sirna")
    agent.targets.add(sibling, member)
    silencing_member = CargoFactory(symbol="TGFB3", kind="protein", family=family)
    silencing_member.targets.add(member)
    reasons, in_family = CargoReach.objects.reasons, "in the TGF-β family"
    others = {silencing_member.pk: in_family, agent.pk: "targets TGFB1"}
    assert reasons([member.pk]) == {member.pk: "", family.pk: "family of TGFB1", sibling.pk: in_family, **others}
    assert reasons([sibling.pk, member.pk]) == {sibling.pk: "", member.pk: "", family.pk: "family of TGFB1", **others}
    assert reasons([family.pk, member.pk]) == {family.pk: "", member.pk: "", sibling.pk: in_family, **others}
    assert reasons([agent.pk]) == {agent.pk: ""}  # an agent is only itself


def test_a_cargo_filter_costs_a_query_for_its_name_and_one_for_its_reach(api, related):
    api.get("/api/v1/evidence/", {"cargo_type": "protein"})
    with CaptureQueriesContext(connection) as unnamed:
        api.get("/api/v1/evidence/", {"cargo_type": "protein"})
    with CaptureQueriesContext(connection) as named:
        api.get("/api/v1/evidence/", {"cargo": "TGFB1"})
    assert len(named.captured_queries) == len(unnamed.captured_queries) + 2


def test_the_api_reads_and_editors_write_families_and_targets(api, editor_api, curator_api, related):
    body = api.get("/api/v1/cargos/tgfb1/").json()
    assert body["family"] == "tgf-beta" and body["targets"] == []
    assert api.get("/api/v1/cargos/anti-mir-214/").json()["targets"] == ["hsa-mir-214"]
    version = Cargo.objects.get(slug="tgfb1")
    refused = curator_api.patch("/api/v1/cargos/tgfb1/", {"family": None}, format="json")
    assert refused.status_code in (403, 400) and Cargo.objects.get(slug="tgfb1").family_id == related["family"].pk
    assert version.pk
    bad = editor_api.patch("/api/v1/cargos/tgfb1/", {"family": "no-such-family"}, format="json")
    assert bad.status_code == 400


def test_targets_sent_as_an_object_are_a_400_and_change_nothing(editor_api, related):
    """They were read as the list of the object's keys, and saved."""
    modified = editor_api.get("/api/v1/cargos/tgfb1/").json()["modified"]
    response = editor_api.patch(
        "/api/v1/cargos/tgfb1/", {"targets": {"hsa-mir-214": 1}, "modified": modified}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"targets": ['Expected a list of items but got type "dict".']}
    assert not related["member"].targets.exists()


@pytest.mark.parametrize(
    "cargo, change, message",
    [
        ("tgfb1", {"family": "tgfb1"}, {"family": ["A cargo molecule cannot be its own family."]}),
        # TGF-β's members include TGFB1: TGF-β in TGFB1's family would make each the other's family.
        ("tgf-beta", {"family": "tgfb1"}, {"family": ["TGF-β cannot be in the family of TGFB1: TGFB1 is in TGF-β's."]}),
        (
            "anti-mir-214",
            {"targets": ["hsa-mir-214", "anti-mir-214"]},
            {"targets": ["A cargo molecule cannot target itself."]},
        ),
    ],
)
def test_a_cargo_in_its_own_family_or_targeting_itself_is_a_400(editor_api, related, cargo, change, message):
    """They were saved: a cargo filter then said a cargo was 'in the TGFB1 family' of itself."""
    before = list(Cargo.objects.order_by("pk").values_list("pk", "family_id"))
    targets = set(Cargo.targets.through.objects.values_list("from_cargo_id", "to_cargo_id"))
    modified = editor_api.get(f"/api/v1/cargos/{cargo}/").json()["modified"]
    response = editor_api.patch(f"/api/v1/cargos/{cargo}/", {**change, "modified": modified}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == message
    assert list(Cargo.objects.order_by("pk").values_list("pk", "family_id")) == before
    assert set(Cargo.targets.through.objects.values_list("from_cargo_id", "to_cargo_id")) == targets


@pytest.mark.parametrize(
    "change, message",
    [
        ({"family": "no-such-family"}, {"family": ["No cargo molecule has the slug 'no-such-family'."]}),
        ({"family": ["tgf-beta"]}, {"family": ["Give a cargo molecule by its slug, as text (e.g. tgf-beta)."]}),
        (
            {"targets": ["hsa-mir-214", 214]},
            {"targets": ["Give a cargo molecule by its slug, as text (e.g. tgf-beta)."]},
        ),
    ],
)
def test_a_family_or_target_that_names_no_cargo_says_so_in_plain_words(editor_api, related, change, message):
    """It said "Object with slug=['tgf-beta'] does not exist."."""
    modified = editor_api.get("/api/v1/cargos/tgfb1/").json()["modified"]
    response = editor_api.patch("/api/v1/cargos/tgfb1/", {**change, "modified": modified}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == message
    member = Cargo.objects.get(slug="tgfb1")
    assert member.family_id == related["family"].pk and not member.targets.exists()


def test_the_cargo_page_names_its_relatives(client, related):
    page = client.get("/cargos/tgfb1/").content.decode()
    assert "Family: <a" in page and "cargo=tgf-beta" in page
    assert "Members: <a" in client.get("/cargos/tgf-beta/").content.decode()


def listed(api, **query) -> int:
    response = api.get("/api/v1/evidence/", query)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def cargo_facet(client, query: dict) -> dict[str, tuple[int, str]]:
    """The cargo facet of the evidence list for ``query``: each value's count and link."""
    response = client.get("/evidence/", query)
    assert response.status_code == 200, response.content[:500]
    return {v.value: (v.count, v.url) for f in response.context["facets"] if f.param == "cargo" for v in f.values}


def test_a_cargo_counts_what_its_link_lists(api, client, related):
    """Its count on the API, the cargo index and page, and its facet value beside any list
    equal the items that following its link lists: its relatives' items too."""
    unpublished = CargoFactory(symbol="TGFB2", slug="tgfb2", kind="protein", family=related["family"])
    drug = DrugFactory(name="doxorubicin")
    for name in ("family_item", "member_item", "agent_item", "target_item"):
        related[name].drugs.add(drug)
    # Two relatives on one item: counted once.
    EvidenceFactory(cargos=[related["member"], related["family"]], drugs=[drug])
    counts = {c["slug"]: c["evidence_count"] for c in api.get("/api/v1/cargos/", {"page_size": 200}).json()["results"]}
    assert counts["tgfb1"] == counts["tgf-beta"] == 3 and counts["hsa-mir-214"] == 2
    assert "tgfb2" not in counts  # no accepted item names it: no count, no page, no facet value
    for slug, n in counts.items():
        assert listed(api, cargo=slug) == n, slug
        assert api.get(f"/api/v1/cargos/{slug}/").json()["evidence_count"] == n, slug
        page = client.get(f"/cargos/{slug}/").context["page"]
        assert page.paginator.count == len(page.object_list) == n, slug  # its own table lists them
    index = {row.slug: row.evidence_count for row in client.get("/cargos/", {"page_size": 200}).context["page"]}
    assert index == counts
    ordered = [c["slug"] for c in api.get("/api/v1/cargos/", {"ordering": "-evidence_count"}).json()["results"]]
    assert ordered[:2] == ["tgf-beta", "tgfb1"]
    # The network of every item (the stored counts) and of a list (its items' links).
    network = graphs.network_of_all()
    assert network == graphs.network(Evidence.objects.public())
    for node in network["nodes"]:
        if node["kind"] == "cargo":
            assert node["count"] == counts[node["url"].strip("/").rpartition("/")[2]], node
    for link in network["links"]:
        assert client.get(link["url"]).context["page"].paginator.count == link["count"], link
    # The facet over every item (the stored counts) and over a filtered list (the facet keys).
    for query in ({}, {"effect": "confers_resistance"}, {"q": "exosomal"}):
        facet = cargo_facet(client, query)
        assert facet and unpublished.symbol not in facet
        for value, (n, url) in facet.items():
            assert client.get(f"/evidence/{url}").context["page"].paginator.count == n, (query, value)


def test_editing_a_family_or_a_target_changes_the_counts(api, client, related, monkeypatch):
    # The pages' cache follows the data version, bumped on commit: at once here.
    monkeypatch.setattr(data_version, "data_changed", lambda using=None: data_version.bump_version())

    def counts():
        return {c["slug"]: c["evidence_count"] for c in api.get("/api/v1/cargos/").json()["results"]}

    def facet():
        return {value: n for value, (n, _) in cargo_facet(client, {"effect": "confers_resistance"}).items()}

    assert counts()["tgfb1"] == 2 and counts()["anti-mir-214"] == 1
    related["member"].family = None
    related["member"].save()
    assert counts_are_stale()  # refreshed on reading, as after a commit
    assert counts()["tgfb1"] == counts()["tgf-beta"] == 1
    assert facet()["TGFB1"] == facet()["TGF-β"] == 1
    agent = Cargo.objects.get(slug="anti-mir-214")
    agent.targets.add(related["member"])
    assert counts_are_stale()
    assert counts()["tgfb1"] == 2 and facet()["TGFB1"] == 2
    agent.targets.clear()
    assert counts()["hsa-mir-214"] == 1 and counts()["tgfb1"] == 1 and facet()["TGFB1"] == 1
    related["member"].family = related["family"]
    related["member"].save()
    assert counts()["tgfb1"] == counts()["tgf-beta"] == 2 and facet()["TGF-β"] == 2
