"""Bulk writes skip save() signals; the bulk writers keep the search document current themselves."""

import pytest

from evidence.bulk import insert_evidence
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
