"""Normalising and validating the names and identifiers curators type."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from evidence.choices import plain

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
#: Every URL and ``doi:`` prefix, stacked too ("doi: https://doi.org/10...").
_DOI_PREFIX_RE = re.compile(r"^(?:\s*(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:))*", re.IGNORECASE)


def normalize_doi(value: str | None) -> str | None:
    """Lower-cased (DOIs are case-insensitive: the unique constraint then catches a paper typed
    twice), percent-decoded and without URL and ``doi:`` prefixes; ``None`` when empty."""
    if value is None:
        return None
    # A decoded NUL ("%00") is no part of a DOI, and PostgreSQL refuses it.
    doi = unquote(str(value).strip()).replace("\x00", "")
    return _DOI_PREFIX_RE.sub("", doi).strip().rstrip(".").lower() or None


def validate_doi(value: str | None) -> None:
    if value and not DOI_RE.match(value):
        raise ValidationError(
            "%(value)s is not a DOI: a DOI starts with 10., a registrant code and a slash, "
            "e.g. 10.1038/s41419-020-2250-5.",
            code="invalid_doi",
            params={"value": value},
        )


def normalize_pmid(value: str | int | None) -> str | None:
    if value is None:
        return None
    pmid = re.sub(r"^(?:pmid:?\s*)", "", str(value).strip(), flags=re.IGNORECASE)
    return pmid or None


def normalize_pmcid(value: str | None) -> str:
    """``PMC1234567`` from ``pmc1234567`` or ``1234567`` (CSL-JSON and some RIS exports drop the prefix)."""
    pmcid = (value or "").strip().upper()
    return f"PMC{pmcid}" if pmcid.isdigit() else pmcid


validate_pmid = RegexValidator(r"^[1-9]\d{0,8}$", "A PMID is a number of up to nine digits.", "invalid_pmid")
validate_pmcid = RegexValidator(r"^PMC\d{1,9}$", "A PMCID looks like PMC1234567.", "invalid_pmcid")

validate_hgnc = RegexValidator(r"^HGNC:\d{1,6}$", "An HGNC identifier looks like HGNC:40.", "invalid_hgnc")
validate_mirbase = RegexValidator(
    r"^(?:MIMAT\d{7}|MI\d{7})$",
    "A miRBase accession is MIMAT followed by seven digits (mature) or MI followed by seven "
    "digits (precursor), e.g. MIMAT0000646.",
    "invalid_mirbase",
)
validate_ensembl = RegexValidator(
    r"^ENS[A-Z]*G\d{11}(?:\.\d+)?$", "An Ensembl gene identifier looks like ENSG00000085563.", "invalid_ensembl"
)
validate_uniprot = RegexValidator(
    r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-\d+)?$",
    "A UniProt accession looks like P08183.",
    "invalid_uniprot",
)
validate_chebi = RegexValidator(r"^CHEBI:\d{1,7}$", "A ChEBI identifier looks like CHEBI:28748.", "invalid_chebi")
validate_drugbank = RegexValidator(r"^DB\d{5}$", "A DrugBank identifier looks like DB00997.", "invalid_drugbank")
validate_cellosaurus = RegexValidator(
    r"^CVCL_[A-Z0-9]{4}$", "A Cellosaurus accession looks like CVCL_0031.", "invalid_cellosaurus"
)


def spelled_greek(ch: str) -> str | None:
    """A Greek letter spelled out as papers write it in ASCII ("β", "ϐ": "beta"; "ά": "alpha"), or None."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch.casefold()) if not unicodedata.combining(c))
    name = unicodedata.name(bare, "") if len(bare) == 1 else ""
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        return name.rsplit(" ", 1)[-1].lower()  # "FINAL SIGMA" is a sigma
    return None


#: Every Greek letter (the Greek and Coptic block, Greek Extended), spelled out.
GREEK_SPELLED = {
    cp: spelled
    for cp in (*range(0x370, 0x400), *range(0x1F00, 0x2000))
    if (spelled := spelled_greek(chr(cp))) is not None
}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def name_key(value: str) -> str:
    """The form of a name that lookups compare, without case, spacing and punctuation: "MCF-7",
    "MCF7" and "mcf 7" share the key ``mcf7``; "TGF-β" is "tgfbeta"."""
    return _NON_ALNUM.sub("", plain(unicodedata.normalize("NFKC", value).casefold().translate(GREEK_SPELLED)))


# A miRNA name as papers write it: species, family, number with letter and paralog, arm or star.
_MIRNA_RE = re.compile(
    r"""^(?:(?P<species>[a-z]{3})-)?
        (?P<family>microrna|mirna|mir|let|lin)[-\s]?
        (?P<number>\d+[a-z]?(?:-\d+)?)
        (?P<arm>-?[35]p|\*)?$""",
    re.IGNORECASE | re.VERBOSE,
)


def parse_mirna(value: str) -> tuple[str, str] | None:
    """A human miRNA name's armless core and its arm (``hsa-miR-155-5p``: ("mir-155", "5p"),
    ``let-7f-1*``: ("let-7f-1", "*")), else ``None``: a mouse miRNA is a different molecule."""
    match = _MIRNA_RE.match(value.strip())
    if not match or (match.group("species") or "hsa").lower() != "hsa":
        return None
    family = match.group("family").lower()
    family = "mir" if family in ("microrna", "mirna") else family
    arm = (match.group("arm") or "").lower().lstrip("-")
    return f"{family}-{match.group('number').lower()}", arm


def lookup_keys(value: str) -> tuple[str, str]:
    """The (key, base) pair stored for a name and computed for a query: for a miRNA the key keeps
    the arm and the base drops it ("miR-155" finds both arms, "miR-155-3p" the 3p arm and any
    record that gave none); for any other name both are ``name_key``."""
    if parsed := parse_mirna(value):
        core, arm = parsed
        # Hyphens stay in miRNA keys: squeezed, "mir-15-5p" and "mir-155p" would meet.
        key = f"{core}-{arm}" if arm and arm != "*" else core + arm
        return key, core
    key = name_key(value)
    return key, key
