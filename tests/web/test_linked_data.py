"""Linked data (issue 13, item 6): schema.org / Bioschemas JSON-LD on the home, evidence,
entity and citation pages, identifiers as IRIs. Each block is expanded by a JSON-LD
processor (PyLD, with schema.org's vocabulary served locally: there is no network in CI),
which refuses malformed JSON-LD, and checked for the properties its profile requires."""

import json
import re
from urllib.parse import urlparse

import pytest
from pyld import jsonld

from evidence.models import Cargo, Cell, Citation, Drug, Evidence

pytestmark = pytest.mark.django_db
SCHEMA = "https://schema.org/"


def _loader(url, options=None):
    if url.rstrip("/") != SCHEMA.rstrip("/"):
        raise jsonld.JsonLdError(f"unexpected remote context {url}", "loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": SCHEMA}}}


def blocks(page: str) -> list[dict]:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(text) for text in found]


def expanded(node: dict) -> dict:
    result = jsonld.expand(node, {"documentLoader": _loader})
    assert len(result) == 1
    return result[0]


def iris(node) -> list[str]:
    """Every @id and sameAs value in a node, nested ones too."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@id", "sameAs", "url", "contentUrl", "license"):
                out += value if isinstance(value, list) else [value] if isinstance(value, str) else []
            out += iris(value)
    elif isinstance(node, list):
        for value in node:
            out += iris(value)
    return out


def check(page: str, kind: str, required: list[str]) -> dict:
    (node,) = blocks(page)
    full = expanded(node)
    assert full["@type"] == [SCHEMA + kind]
    for name in required:
        assert SCHEMA + name in full, name
    for iri in iris(node):
        parsed = urlparse(iri)
        assert parsed.scheme in ("http", "https") and parsed.netloc, iri
    return node


def test_the_home_page_describes_the_dataset(client, seeded):
    required = ["name", "description", "identifier", "keywords", "license", "url", "version", "distribution"]
    node = check(client.get("/").content.decode(), "Dataset", required)
    assert node["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert any(d["contentUrl"].endswith("format=csv") for d in node["distribution"])


def test_an_evidence_page_is_a_claim_about_its_drugs_and_cargos_based_on_its_paper(client, seeded):
    item = Evidence.objects.public().filter(citation__doi__isnull=False).exclude(cargos=None).first()
    node = check(client.get(item.get_absolute_url()).content.decode(), "Claim", ["text", "about", "citation"])
    assert node["citation"]["@id"] == f"https://doi.org/{item.citation.doi}"
    assert {"Drug", "MolecularEntity", "Protein"} >= {about["@type"] for about in node["about"]}


def test_entity_pages_name_their_identifiers_as_iris(client, seeded):
    drug = Drug.objects.public().exclude(chebi="").first()
    node = check(client.get(drug.get_absolute_url()).content.decode(), "Drug", ["name", "identifier", "sameAs"])
    assert f"https://identifiers.org/{drug.chebi}" in node["sameAs"]

    mirna = Cargo.objects.public().filter(mirbase__startswith="MIMAT").first()
    node = check(client.get(mirna.get_absolute_url()).content.decode(), "MolecularEntity", ["name", "identifier"])
    assert f"https://identifiers.org/mirbase.mature:{mirna.mirbase}" in node["sameAs"]

    protein = Cargo.objects.public().filter(kind="protein").exclude(hgnc="").first()
    node = check(client.get(protein.get_absolute_url()).content.decode(), "Protein", ["name", "identifier"])
    assert f"https://identifiers.org/hgnc:{protein.hgnc.split(':')[1]}" in node["sameAs"]

    cell = Cell.objects.public().exclude(cellosaurus="").first()
    node = check(client.get(cell.get_absolute_url()).content.decode(), "BioChemEntity", ["name", "identifier"])
    assert f"https://identifiers.org/cellosaurus:{cell.cellosaurus}" in node["sameAs"]


def test_a_citation_page_is_a_scholarly_article(client, seeded):
    citation = Citation.objects.public().exclude(doi=None).first()
    citation.pmid = "12345678"  # the seed's papers are identified by DOI
    citation.save()
    node = check(client.get(citation.get_absolute_url()).content.decode(), "ScholarlyArticle",
                 ["headline", "author", "datePublished", "identifier", "sameAs"])  # fmt: skip
    assert f"https://doi.org/{citation.doi}" in node["sameAs"]
    assert f"https://identifiers.org/pubmed:{citation.pmid}" in node["sameAs"]


def test_a_value_cannot_close_the_script_element(client, seeded):
    drug = Drug.objects.public().first()
    drug.description = "</script><script>alert(1)</script> & more"
    drug.save()
    page = client.get(drug.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in page
    assert blocks(page)[0]["description"] == "</script><script>alert(1)</script> & more"
