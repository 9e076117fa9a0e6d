"""schema.org / Bioschemas JSON-LD for the pages, for search engines, data catalogues and harvesters;
external identifiers are given as IRIs (``links.identifier_iri``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from evidence.choices import CargoKind
from evidence.site.links import identifier_iri

CONTEXT = "https://schema.org"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
#: The Bioschemas profile each type follows (``dct:conformsTo``).
PROFILES = {
    "Dataset": "https://bioschemas.org/profiles/Dataset/1.0-RELEASE",
    "MolecularEntity": "https://bioschemas.org/profiles/MolecularEntity/0.5-RELEASE",
    "Protein": "https://bioschemas.org/profiles/Protein/0.11-RELEASE",
    "ScholarlyArticle": "https://bioschemas.org/profiles/ScholarlyArticle/0.2-DRAFT-2020_12_03",
}


def _node(kind: str, request: HttpRequest, path: str, **values: Any) -> dict[str, Any]:
    url = request.build_absolute_uri(path)
    node = {"@context": CONTEXT, "@type": kind, "@id": url, "url": url}
    if kind in PROFILES:
        node["@context"] = [CONTEXT, {"dct": "http://purl.org/dc/terms/"}]
        node["dct:conformsTo"] = {"@id": PROFILES[kind]}
    node.update({key: value for key, value in values.items() if value not in (None, "", [])})
    return node


def _same_as(obj: Any) -> list[str]:
    return [iri for name in obj.identifier_fields if (iri := identifier_iri(name, getattr(obj, name, "")))]


def _identifiers(obj: Any) -> list[dict[str, str]]:
    return [
        {"@type": "PropertyValue", "propertyID": name, "value": str(getattr(obj, name))}
        for name in obj.identifier_fields
        if getattr(obj, name)
    ]


def _entity(kind: str, request: HttpRequest, entity: Any, name: str, identifier: Any, **values: Any) -> dict[str, Any]:
    """A drug, cargo or cell: its names, identifiers and description around ``values``."""
    return _node(
        kind,
        request,
        entity.get_absolute_url(),
        name=name,
        alternateName=[alias.name for alias in entity.aliases.all()],
        identifier=identifier,
        sameAs=_same_as(entity),
        **values,
        description=entity.description,
    )


def dataset(request: HttpRequest, counts: dict[str, int]) -> dict[str, Any]:
    api = request.build_absolute_uri("/api/v1/")
    return _node(
        "Dataset",
        request,
        reverse("home"),
        name="ExoResist",
        description="A curated database of evidence that exosomes and other extracellular vesicles spread or "
        f"reverse resistance to breast cancer therapy: {counts['evidence']} accepted findings from "
        f"{counts['citations']} papers, each with its cargo molecule, source and recipient cells, drug, mechanism, "
        "evidence level and primary citation.",
        identifier=request.build_absolute_uri(reverse("home")),
        keywords=["exosomes", "extracellular vesicles", "drug resistance", "breast cancer", "miRNA", "biocuration"],
        license=LICENSE,
        version=settings.EXORESIST_RELEASE,
        isAccessibleForFree=True,
        citation={"@type": "ScholarlyArticle", "@id": "https://doi.org/10.3389/fbioe.2023.1214648"},
        distribution=[
            {
                "@type": "DataDownload",
                "name": f"Evidence ({label})",
                "encodingFormat": media_type,
                "contentUrl": f"{api}evidence/?format={fmt}",
            }
            for fmt, label, media_type in (
                ("csv", "CSV", "text/csv"),
                ("tsv", "TSV", "text/tab-separated-values"),
                ("json", "JSON", "application/json"),
            )
        ],
        includedInDataCatalog={"@type": "DataCatalog", "name": "ExoResist", "url": request.build_absolute_uri("/")},
    )


def evidence_claim(request: HttpRequest, evidence: Any) -> dict[str, Any]:
    named = [("Drug", d, d.name) for d in evidence.drugs.all()]
    named += [(_cargo_type(c), c, c.symbol) for c in evidence.cargos.all()]
    about = [{"@type": t, "@id": request.build_absolute_uri(e.get_absolute_url()), "name": n} for t, e, n in named]
    return _node(
        "Claim",
        request,
        evidence.get_absolute_url(),
        identifier=evidence.public_id,
        name=f"{evidence.public_id}: {evidence.get_effect_display()}",
        text=evidence.statement,
        about=about,
        appearance=article_ref(evidence.citation),
        citation=article_ref(evidence.citation),
        isPartOf={"@type": "Dataset", "@id": request.build_absolute_uri(reverse("home"))},
        license=LICENSE,
        dateModified=evidence.modified.isoformat() if evidence.modified else None,
    )


def article_ref(citation: Any) -> dict[str, Any]:
    ref = {"@type": "ScholarlyArticle", "name": citation.title}
    iri = identifier_iri("doi", citation.doi) or identifier_iri("pmid", citation.pmid)
    if iri:
        ref["@id"] = iri
    return ref


def _cargo_type(cargo: Any) -> str:
    return "Protein" if cargo.kind == CargoKind.PROTEIN else "MolecularEntity"


def drug(request: HttpRequest, drug: Any) -> dict[str, Any]:
    drug_class = [{"@type": "DrugClass", "name": c.name} for c in drug.classes.all()]
    return _entity("Drug", request, drug, drug.name, _identifiers(drug), drugClass=drug_class)


def cargo(request: HttpRequest, cargo: Any) -> dict[str, Any]:
    kind, identifier = _cargo_type(cargo), _identifiers(cargo) or cargo.slug
    return _entity(kind, request, cargo, cargo.symbol, identifier, additionalType=cargo.get_kind_display())


def cell(request: HttpRequest, cell: Any) -> dict[str, Any]:
    identifier = cell.cellosaurus or cell.slug
    return _entity("BioChemEntity", request, cell, cell.name, identifier, additionalType=cell.get_kind_display())


def citation(request: HttpRequest, citation: Any) -> dict[str, Any]:
    authors = []
    for author in citation.authors or []:
        family, comma, given = str(author).partition(",")
        if comma:
            authors.append({"@type": "Person", "familyName": family.strip(), "givenName": given.strip()})
        else:
            authors.append({"@type": "Organization", "name": family.strip()})
    return _node(
        "ScholarlyArticle",
        request,
        citation.get_absolute_url(),
        headline=citation.title[:110],
        name=citation.title,
        author=authors,
        datePublished=str(citation.year) if citation.year else None,
        isPartOf={"@type": "Periodical", "name": citation.journal} if citation.journal else None,
        identifier=_identifiers(citation),
        sameAs=_same_as(citation),
        abstract=citation.abstract,
        creativeWorkStatus="Retracted" if citation.retracted else None,
    )
