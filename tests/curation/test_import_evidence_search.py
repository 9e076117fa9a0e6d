"""Bulk writes skip save() signals; the bulk writers keep the search document current themselves."""

import pytest

from evidence.curation.bulk import insert_evidence, update_evidence
from evidence.models import Evidence
from tests.factories import CitationFactory, DrugAliasFactory, DrugFactory, TherapyClassFactory

pytestmark = pytest.mark.django_db


def test_bulk_inserted_evidence_is_found_by_free_text_and_by_alias():
    drug = DrugFactory(name="doxorubicin", slug="doxorubicin")
    DrugAliasFactory(entity=drug, name="Adriamycin")
    item = Evidence(
        statement="Exosomal zq-circRNA-77 carries resistance.",
        citation=CitationFactory(),
        therapy_class=TherapyClassFactory(slug="chemotherapy", name="Chemotherapy"),
        effect="confers_resistance",
        evidence_type="functional",
        level="D",
        status="accepted",
    )
    insert_evidence([item], [{"cargos": [], "drugs": [drug.pk], "mechanisms": []}])
    assert list(Evidence.objects.search("zq-circrna-77")) == [item]
    assert list(Evidence.objects.search("adriamycin")) == [item]


def test_bulk_written_documents_are_the_ones_a_refresh_writes():
    # The bulk writers compose search_text in Python before the rows go in; a refresh
    # (one SQL UPDATE on PostgreSQL) must not change a byte of it.
    from evidence.models import CellAlias
    from tests.factories import CargoAliasFactory, CargoFactory, CellFactory

    drug = DrugFactory(name="Paclitaxel", slug="paclitaxel")
    DrugAliasFactory(entity=drug, name="Taxol®")
    cargo = CargoFactory(symbol="hsa-miR-155-5p", name="microRNA 155", slug="mir-155")
    CargoAliasFactory(entity=cargo, name="miR-155")
    cell = CellFactory(name="MCF-7/ADR", slug="mcf7-adr")
    CellAlias.objects.create(entity=cell, name="MCF7 ADR")
    citation = CitationFactory(title="Ünusual TITLE with Greek β and  spaces")
    items = [
        Evidence(
            statement=statement,
            citation=citation,
            source_cell=cell if i else None,
            recipient_cell=cell,
            therapy_class=TherapyClassFactory(),
            effect="confers_resistance",
            evidence_type="functional",
            level="C",
        )
        for i, statement in enumerate(
            ["Exosomal miR-155 → Taxol resistance.", "Second ÄÖ line\nwith a break,\ta tab and a \\N backslash."]
        )
    ]
    relations = [
        {"cargos": [cargo.pk], "drugs": [drug.pk], "mechanisms": []},
        {"cargos": [], "drugs": [], "mechanisms": []},
    ]
    insert_evidence(items, relations)
    pks = [item.pk for item in items]
    stored = dict(Evidence.objects.filter(pk__in=pks).values_list("pk", "statement"))
    assert [stored[pk] for pk in pks] == [item.statement for item in items]
    written = dict(Evidence.objects.filter(pk__in=pks).values_list("pk", "search_text"))
    lines = set(written[pks[0]].split("\n"))
    assert {"taxol®", "mir-155", "mcf7 adr", "ünusual title with greek β and  spaces"} <= lines
    Evidence.objects.refresh_search_text(pks)
    assert dict(Evidence.objects.filter(pk__in=pks).values_list("pk", "search_text")) == written

    update_evidence(items[:1], ["statement"], [{"cargos": [], "drugs": [drug.pk], "mechanisms": []}])
    updated = Evidence.objects.get(pk=pks[0]).search_text
    assert "microrna 155" not in updated and "paclitaxel" in updated
    Evidence.objects.refresh_search_text(pks[:1])
    assert Evidence.objects.get(pk=pks[0]).search_text == updated
