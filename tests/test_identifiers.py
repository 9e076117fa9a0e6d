import pytest
from django.core.exceptions import ValidationError

from evidence import identifiers as ids


@pytest.mark.parametrize(
    "raw",
    [
        "10.1038/S41419-020-2250-5",
        "https://doi.org/10.1038/s41419-020-2250-5",
        "http://dx.doi.org/10.1038/s41419-020-2250-5",
        "doi:10.1038/s41419-020-2250-5",
        "DOI: 10.1038/s41419-020-2250-5",
        " doi.org/10.1038/s41419-020-2250-5. ",
    ],
)
def test_it_normalises_every_written_form_of_a_doi(raw):
    assert ids.normalize_doi(raw) == "10.1038/s41419-020-2250-5"


def test_an_empty_doi_is_none():
    assert ids.normalize_doi("  ") is None
    assert ids.normalize_doi(None) is None


@pytest.mark.parametrize("bad", ["10.1038", "11.1000/abc", "s41419-020-2250-5", "10.12/abc", "10.1038/ab c"])
def test_it_rejects_a_bad_doi(bad):
    with pytest.raises(ValidationError):
        ids.validate_doi(bad)


@pytest.mark.parametrize(
    "validator, good, bad",
    [
        (ids.validate_mirbase, "MIMAT0000646", "MIMAT646"),
        (ids.validate_mirbase, "MI0000681", "hsa-miR-155"),
        (ids.validate_hgnc, "HGNC:40", "40"),
        (ids.validate_uniprot, "P08183", "P0818"),
        (ids.validate_ensembl, "ENSG00000085563", "ENSG85563"),
        (ids.validate_chebi, "CHEBI:28748", "28748"),
        (ids.validate_drugbank, "DB00997", "DB997"),
        (ids.validate_cellosaurus, "CVCL_0031", "CVCL-0031"),
        (ids.validate_pmid, "28408351", "PMID28408351"),
        (ids.validate_pmcid, "PMC1234567", "1234567"),
    ],
)
def test_identifier_patterns(validator, good, bad):
    validator(good)
    with pytest.raises(ValidationError):
        validator(bad)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("hsa-miR-155-5p", ("mir-155", "5p")),
        ("miR-155", ("mir-155", "")),
        ("hsa-mir-155", ("mir-155", "")),
        ("microRNA-155", ("mir-155", "")),
        ("mir-21-5p", ("mir-21", "5p")),
        ("miR-221-3p", ("mir-221", "3p")),
        ("let-7f-1*", ("let-7f-1", "*")),
        ("miR155", ("mir-155", "")),
        ("mmu-miR-155-5p", None),
        ("MIR155HG", None),
        ("doxorubicin", None),
    ],
)
def test_it_parses_mirna_names(name, expected):
    assert ids.parse_mirna(name) == expected


def test_mirna_lookup_keys_keep_the_arm_and_share_the_base():
    assert ids.lookup_keys("hsa-miR-155-5p") == ("mir-155-5p", "mir-155")
    assert ids.lookup_keys("miR-155") == ("mir-155", "mir-155")
    assert ids.lookup_keys("hsa-mir-155") == ("mir-155", "mir-155")


@pytest.mark.parametrize(
    "a, b",
    [("MCF-7", "mcf7"), ("5-FU", "5fu"), ("Adriamycin", "ADRIAMYCIN"), ("TGF-β", "tgf-beta"), ("UCH-L1", "uchl1")],
)
def test_name_keys_ignore_case_and_punctuation(a, b):
    assert ids.name_key(a) == ids.name_key(b)
