import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evidence.models import Cargo, Cell, Citation, Drug, Evidence, public_id_to_pk
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugFactory,
    EvidenceFactory,
)

pytestmark = pytest.mark.django_db


def test_it_rejects_a_bad_doi():
    citation = CitationFactory.build(doi="not-a-doi")
    with pytest.raises(ValidationError) as excinfo:
        citation.full_clean()
    assert "doi" in excinfo.value.message_dict


def test_it_stores_a_doi_normalised():
    citation = CitationFactory(doi="https://doi.org/10.1038/S41419-020-2250-5")
    citation.refresh_from_db()
    assert citation.doi == "10.1038/s41419-020-2250-5"
    assert Citation.objects.by_identifier("doi:10.1038/s41419-020-2250-5") == citation


def test_it_refuses_a_duplicate_doi_in_another_spelling():
    CitationFactory(doi="10.1000/dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        CitationFactory(doi="https://doi.org/10.1000/DUP")


def test_duplicate_doi_is_a_validation_error_in_forms():
    CitationFactory(doi="10.1000/dup")
    with pytest.raises(ValidationError) as excinfo:
        CitationFactory.build(doi="10.1000/DUP", bibtex_key="other").full_clean()
    assert "doi" in excinfo.value.message_dict


def test_citations_without_doi_are_storable_and_findable():
    first = CitationFactory(doi=None, bibtex_key="shedden2003", pmid=None)
    second = CitationFactory(doi="", bibtex_key="brown1998", pmid=None)
    assert second.doi is None
    assert Citation.objects.by_identifier("shedden2003") == first
    assert Citation.objects.filter(doi__isnull=True).count() == 2


def test_a_citation_is_found_by_each_kind_of_identifier_one_at_a_time_and_in_bulk():
    citation = CitationFactory(doi="10.1000/xyz", pmid="123456", bibtex_key="smith2020")
    written = ["https://doi.org/10.1000/XYZ", "doi:10.1000/xyz", "123456", "PMID: 123456", "smith2020", " smith2020 "]
    assert [Citation.objects.by_identifier(identifier) for identifier in written] == [citation] * len(written)
    # The TSV import's lookup: one rule, so a row names a citation as the admin's search finds it.
    found = Citation.objects.pks_by_identifier([*written, "10.1000/other", "654321", "jones2021", " "])
    assert found == dict.fromkeys(written, citation.pk)


def test_a_retracted_citation_needs_a_note():
    with pytest.raises(IntegrityError), transaction.atomic():
        CitationFactory(retracted=True, retraction_note="")


def test_it_rejects_a_bad_mirbase_accession():
    cargo = CargoFactory.build(symbol="hsa-miR-155-5p", kind="mirna", mirbase="MIMAT646")
    with pytest.raises(ValidationError) as excinfo:
        cargo.full_clean()
    assert "mirbase" in excinfo.value.message_dict


def test_a_resistant_derivative_needs_its_parent():
    with pytest.raises(ValidationError):
        CellFactory.build(name="MCF-7/ADR", kind="resistant_line").full_clean()
    parent = CellFactory(name="MCF-7")
    CellFactory.build(name="MCF-7/ADR", slug="mcf-7-adr", kind="resistant_line", parent=parent).full_clean()


def test_it_finds_a_drug_by_any_of_its_names():
    doxorubicin = DrugFactory(name="doxorubicin")
    for alias in ("Adriamycin", "ADM", "DOX"):
        DrugAliasFactory(entity=doxorubicin, name=alias)
    DrugFactory(name="fluorouracil")
    for name in ("doxorubicin", "DOXORUBICIN", "adriamycin", "adm", " Dox "):
        assert Drug.objects.by_name(name) == doxorubicin
    assert list(Drug.objects.matching("ADM", "fluorouracil").order_by("name").values_list("name", flat=True)) == [
        "doxorubicin",
        "fluorouracil",
    ]
    assert Drug.objects.by_name("tamoxifen") is None


def test_it_finds_a_protein_by_gene_symbol_protein_name_and_abbreviation():
    abcc1 = CargoFactory(symbol="ABCC1", name="multidrug resistance-associated protein 1")
    CargoAliasFactory(entity=abcc1, name="MRP1")
    assert Cargo.objects.by_name("mrp1") == abcc1
    assert Cargo.objects.by_name("ABCC1") == abcc1


def test_mirna_names_find_each_other():
    mir155_5p = CargoFactory(symbol="hsa-miR-155-5p", slug="hsa-mir-155-5p", kind="mirna")
    mir155_3p = CargoFactory(symbol="hsa-miR-155-3p", slug="hsa-mir-155-3p", kind="mirna")
    mir21 = CargoFactory(symbol="miR-21", slug="mir-21", kind="mirna")
    assert set(Cargo.objects.matching("miR-155")) == {mir155_5p, mir155_3p}
    assert set(Cargo.objects.matching("hsa-mir-155")) == {mir155_5p, mir155_3p}
    assert set(Cargo.objects.matching("miRNA-155")) == {mir155_5p, mir155_3p}
    # The arm is kept where given...
    assert list(Cargo.objects.matching("miR-155-5p")) == [mir155_5p]
    assert list(Cargo.objects.matching("hsa-miR-155-3p")) == [mir155_3p]
    # ...and a record without an arm is found by either arm.
    assert list(Cargo.objects.matching("hsa-miR-21-5p")) == [mir21]
    assert not Cargo.objects.matching("miR-1555").exists()
    # An arm-less alias of one arm's record does not make it the other arm.
    CargoAliasFactory(entity=mir155_5p, name="miR-155")
    assert list(Cargo.objects.matching("miR-155-3p")) == [mir155_3p]
    assert Cargo.objects.by_name("miR-155-3p") == mir155_3p
    assert set(Cargo.objects.matching("miR-155")) == {mir155_5p, mir155_3p}


def test_a_name_several_entities_answer_to_is_refused_not_guessed():
    from evidence.models import AmbiguousName

    mir155_5p = CargoFactory(symbol="hsa-miR-155-5p", slug="hsa-mir-155-5p", kind="mirna")
    CargoFactory(symbol="hsa-miR-155-3p", slug="hsa-mir-155-3p", kind="mirna")
    with pytest.raises(AmbiguousName) as excinfo:
        Cargo.objects.by_name("miR-155")
    assert str(excinfo.value) == (
        "'miR-155' names several cargo molecules: hsa-miR-155-3p; hsa-miR-155-5p; give one of these names."
    )
    assert Cargo.objects.by_name("miR-155-5p") == mir155_5p
    # An alias of exactly that name settles it, as a canonical name does.
    CargoAliasFactory(entity=mir155_5p, name="miR-155")
    assert Cargo.objects.by_name("miR-155") == mir155_5p
    mir155 = CargoFactory(symbol="miR-155", slug="mir-155", kind="mirna")
    assert Cargo.objects.by_name("miR-155") == mir155
    # The exact owner is found however many others answer to the name and sort first.
    for n in range(AmbiguousName.SHOWN + 2):
        CargoAliasFactory(entity=CargoFactory(symbol=f"AAA{n}", slug=f"aaa{n}"), name="miR-155")
    assert Cargo.objects.by_name("miR-155") == mir155


def test_cells_are_found_by_alias():
    mcf7 = CellFactory(name="MCF-7")
    assert Cell.objects.by_name("MCF7") == mcf7


def test_public_ids_round_trip():
    evidence = EvidenceFactory()
    assert evidence.public_id == f"EXR{evidence.pk:06d}"
    assert public_id_to_pk(evidence.public_id) == evidence.pk
    assert public_id_to_pk("exr000012") == 12
    assert public_id_to_pk("12") == 12
    assert public_id_to_pk("EXR12; DROP TABLE") is None
    assert public_id_to_pk(f"EXR{2**63 - 1}") == 2**63 - 1
    # Past the largest key, past the digits Python reads, or not a decimal digit: no item.
    for value in [f"EXR{2**63}", "EXR" + "9" * 5000, "9" * 5000, "²"]:
        assert public_id_to_pk(value) is None, value[:30]


def test_only_accepted_evidence_is_public():
    accepted = EvidenceFactory(status="accepted")
    EvidenceFactory(status="draft")
    EvidenceFactory(status="rejected")
    EvidenceFactory(status="submitted")
    assert list(Evidence.objects.public()) == [accepted]


def test_entities_count_only_accepted_evidence():
    drug = DrugFactory(name="paclitaxel")
    EvidenceFactory(status="accepted", drugs=[drug])
    EvidenceFactory(status="accepted", drugs=[drug])
    EvidenceFactory(status="draft", drugs=[drug])
    assert Drug.objects.with_counts().get(pk=drug.pk).evidence_count == 2


def test_every_change_is_recorded_in_history():
    drug = DrugFactory(name="tamoxifen")
    drug.drug_class = "SERM"
    drug.save()
    assert drug.history.count() == 2
    assert drug.history.first().drug_class == "SERM"


def test_a_slug_names_its_entity_though_no_name_has_that_key():
    # The TSV import and the API's writes find an entity by the slug the API shows.
    cart = CellFactory(name="mesothelin-targeted CAR-T cells", slug="car-t-cell")
    assert Cell.objects.by_name("car-t-cell") == cart
    assert list(Cell.objects.matching("car-t-cell")) == [cart]
    # A slug names one entity: it wins over another's name that shares it.
    CellFactory(name="car-t-cell", slug="car-t-cell-other")
    assert Cell.objects.by_name("car-t-cell") == cart
