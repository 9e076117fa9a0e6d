"""Where each external identifier resolves: one place, so every page links the same way."""

from __future__ import annotations

from urllib.parse import quote

#: Each database: its name, a record's page, and its identifiers.org prefix (None: the value has its own).
_DATABASES = {
    "hgnc": ("HGNC", "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{}", "hgnc"),
    "ensembl": ("Ensembl", "https://www.ensembl.org/id/{}", "ensembl"),
    "uniprot": ("UniProt", "https://www.uniprot.org/uniprotkb/{}/entry", "uniprot"),
    "ncbi_gene": ("NCBI Gene", "https://www.ncbi.nlm.nih.gov/gene/{}", "ncbigene"),
    "chebi": ("ChEBI", "https://www.ebi.ac.uk/chebi/searchId.do?chebiId={}", None),
    "drugbank": ("DrugBank", "https://go.drugbank.com/drugs/{}", "drugbank"),
    "pubchem_cid": ("PubChem", "https://pubchem.ncbi.nlm.nih.gov/compound/{}", "pubchem.compound"),
    "cellosaurus": ("Cellosaurus", "https://www.cellosaurus.org/{}", "cellosaurus"),
    "doi": ("DOI", "https://doi.org/{}", None),  # its IRI is https://doi.org/..., below
    "pmid": ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/{}/", "pubmed"),
    "pmcid": ("PMC", "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/", "pmc"),
}


def _mirbase_mature(text: str) -> bool:
    # Mature accessions (MIMAT...) and precursors (MI...) live under different paths and prefixes.
    return text.upper().startswith("MIMAT")


def identifier_links(obj: object) -> list[dict[str, str]]:
    """``[{label, value, url}]``: the identifier fields of ``obj`` that are filled in, with their pages."""
    out = []
    for name in getattr(obj, "identifier_fields", ()):  # vocabulary terms have none
        value = getattr(obj, name, None)
        if value in (None, ""):
            continue
        text = str(value).strip()
        if name == "mirbase":
            page = "mature" if _mirbase_mature(text) else "hairpin"
            label, url = "miRBase", f"https://www.mirbase.org/{page}/{quote(text)}"
        else:
            label, url = _DATABASES[name][0], _DATABASES[name][1].format(quote(text, safe=":/"))
        out.append({"label": label, "value": str(value), "url": url})
    return out


def identifier_iri(kind: str, value: object) -> str:
    """A persistent IRI for ``value`` (https://identifiers.org/..., https://doi.org/...), or ""."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if kind == "doi":
        return f"https://doi.org/{quote(text, safe=':/()')}"
    if kind == "mirbase":
        return f"https://identifiers.org/{'mirbase.mature' if _mirbase_mature(text) else 'mirbase'}:{quote(text)}"
    if kind not in _DATABASES:
        return ""
    prefix = _DATABASES[kind][2]
    if prefix is None:
        return f"https://identifiers.org/{quote(text, safe=':')}"
    if kind == "hgnc":
        text = text.split(":", 1)[-1]  # stored as HGNC:74
    return f"https://identifiers.org/{prefix}:{quote(text, safe='')}"
