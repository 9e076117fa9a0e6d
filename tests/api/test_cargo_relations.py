"""Cargo families and targets (issue 11, item 4): a cargo filter reaches records filed under
the cargo's family or its members and records about an agent that silences it, the
evidence page says why a record matched, and counts stay exact."""

import pytest

from evidence.models import Cargo
from tests.api.helpers import ids, pub
from tests.factories import CargoAliasFactory, CargoFactory, EvidenceFactory

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


def test_the_cargo_page_names_its_relatives(client, related):
    page = client.get("/cargos/tgfb1/").content.decode()
    assert "Family: <a" in page and "cargo=tgf-beta" in page
    assert "Members: <a" in client.get("/cargos/tgf-beta/").content.decode()
