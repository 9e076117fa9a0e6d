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
        ("miRNA-214", ("mir-214", "")),  # the seed's spelling
        ("hsa-miRNA-21-5p", ("mir-21", "5p")),
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
    [
        ("MCF-7", "mcf7"), ("5-FU", "5fu"), ("Adriamycin", "ADRIAMYCIN"), ("TGF-β", "tgf-beta"), ("UCH-L1", "uchl1"),
        # Every Greek letter is spelled out, in either case and with its accents, as the recogniser spells it.
        ("GST-π", "GST-pi"), ("ΔNp63", "deltaNp63"), ("NF-κB", "NF-kappaB"), ("TGF-ϐ1", "TGF-beta1"),
        ("IFN-Θ", "IFN-theta"), ("ά", "alpha"),
    ],
)  # fmt: skip
def test_name_keys_ignore_case_and_punctuation(a, b):
    assert ids.name_key(a) == ids.name_key(b)


def test_lookup_keys_and_the_recogniser_spell_greek_alike():
    from evidence.recognition import _fold_char

    for ch in "αβγδεζηθικλμνξοπρσςτυφχψωΑΩϐά":
        assert _fold_char(ch) == ids.spelled_greek(ch)
    assert ids.name_key("GST-π") not in (ids.name_key("GST"), "")


@pytest.mark.django_db
def test_the_migration_gives_greek_names_their_keys_again():
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from evidence.models import Cargo, CargoAlias
    from tests.factories import CargoAliasFactory, CargoFactory

    gstp1 = CargoFactory(symbol="GSTP1", slug="gstp1")
    greek = CargoAliasFactory(entity=gstp1, name="GST-π")
    # As the ten-letter table stored it: the π dropped.
    CargoAlias.objects.filter(pk=greek.pk).update(key="gst", base="gst")
    migration = importlib.import_module("evidence.migrations.0032_greek_letter_keys")
    migration.rekey(apps, SimpleNamespace(connection=connection))
    assert CargoAlias.objects.get(pk=greek.pk).key == "gstpi"
    assert [cargo.symbol for cargo in Cargo.objects.matching("GST-π")] == ["GSTP1"]
    # An alias spelled out already holds the key: the other keeps its own, and nothing fails.
    other = CargoFactory(symbol="GSTM1", slug="gstm1")
    CargoAliasFactory(entity=other, name="GST-mu")
    stale = CargoAliasFactory(entity=other, name="placeholder")
    CargoAlias.objects.filter(pk=stale.pk).update(name="GST-μ", key="gst", base="gst")
    migration.rekey(apps, SimpleNamespace(connection=connection))
    assert CargoAlias.objects.get(pk=stale.pk).key == "gst"
