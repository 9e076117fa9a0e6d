"""Where each external identifier resolves: one place, so every page links the same way."""

from __future__ import annotations

from urllib.parse import quote

_RESOLVERS = {
    "hgnc": ("HGNC", "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{}"),
    "ensembl": ("Ensembl", "https://www.ensembl.org/id/{}"),
    "uniprot": ("UniProt", "https://www.uniprot.org/uniprotkb/{}/entry"),
    "ncbi_gene": ("NCBI Gene", "https://www.ncbi.nlm.nih.gov/gene/{}"),
    "chebi": ("ChEBI", "https://www.ebi.ac.uk/chebi/searchId.do?chebiId={}"),
    "drugbank": ("DrugBank", "https://go.drugbank.com/drugs/{}"),
    "pubchem_cid": ("PubChem", "https://pubchem.ncbi.nlm.nih.gov/compound/{}"),
    "cellosaurus": ("Cellosaurus", "https://www.cellosaurus.org/{}"),
    "doi": ("DOI", "https://doi.org/{}"),
    "pmid": ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    "pmcid": ("PMC", "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"),
}


def identifier_url(kind: str, value: object) -> str:
    """The page of ``value`` in the database ``kind`` names, or "" when there is none."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if kind == "mirbase":
        # Mature accessions (MIMAT...) and precursors (MI...) live under different paths.
        section = "mature" if text.upper().startswith("MIMAT") else "hairpin"
        return f"https://www.mirbase.org/{section}/{quote(text)}"
    if kind not in _RESOLVERS:
        return ""
    return _RESOLVERS[kind][1].format(quote(text, safe=":/"))


def identifier_links(obj: object) -> list[dict[str, str]]:
    """``[{label, value, url}]`` for the identifier fields (``identifier_fields``) of ``obj`` that are filled in."""
    out = []
    for name in getattr(obj, "identifier_fields", ()):  # vocabulary terms have none
        value = getattr(obj, name, None)
        if value in (None, ""):
            continue
        label = "miRBase" if name == "mirbase" else _RESOLVERS[name][0]
        out.append({"label": label, "value": str(value), "url": identifier_url(name, value)})
    return out


#: Compact identifiers (identifiers.org prefixes), the IRIs linked data names things by.
_IRI_PREFIXES = {
    "hgnc": "hgnc",
    "ensembl": "ensembl",
    "uniprot": "uniprot",
    "ncbi_gene": "ncbigene",
    "chebi": None,  # the value carries its prefix: CHEBI:9168
    "drugbank": "drugbank",
    "pubchem_cid": "pubchem.compound",
    "cellosaurus": "cellosaurus",
    "pmid": "pubmed",
    "pmcid": "pmc",
}


def identifier_iri(kind: str, value: object) -> str:
    """A persistent IRI for ``value`` (https://identifiers.org/..., https://doi.org/...), or ""."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if kind == "doi":
        return f"https://doi.org/{quote(text, safe=':/()')}"
    if kind == "mirbase":
        prefix = "mirbase.mature" if text.upper().startswith("MIMAT") else "mirbase"
        return f"https://identifiers.org/{prefix}:{quote(text)}"
    if kind not in _IRI_PREFIXES:
        return ""
    prefix = _IRI_PREFIXES[kind]
    if prefix is None:
        return f"https://identifiers.org/{quote(text, safe=':')}"
    if kind == "hgnc":
        text = text.split(":", 1)[-1]  # stored as HGNC:74
    return f"https://identifiers.org/{prefix}:{quote(text, safe='')}"
