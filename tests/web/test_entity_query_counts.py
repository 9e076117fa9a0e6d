"""Index and detail pages of drugs, cargos, cells, mechanisms, therapy classes and citations read
as many queries for 50 rows as for 5: nothing is read row by row."""

from dataclasses import dataclass

import pytest

from evidence.models.citation import label_letters
from tests.conftest import built_once
from tests.factories import (
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
    TherapyClassFactory,
)

DETAIL_PAGES = ["drug", "cargo", "cell", "mechanism", "therapyclass", "citation"]


@dataclass
class Linked:
    """One drug, cargo, cell, mechanism and citation, named together by ``rows`` evidence items."""

    rows: int
    drug: object
    cargo: object
    cell: object
    mechanism: object
    citation: object

    def url(self, page: str) -> str:
        target = self.drug.therapy_class if page == "therapyclass" else getattr(self, page)
        return target.get_absolute_url()


def linked(rows: int, **drug) -> Linked:
    entities = Linked(rows, DrugFactory(**drug), CargoFactory(), CellFactory(), MechanismFactory(), CitationFactory())
    for _ in range(rows):
        EvidenceFactory(
            drugs=[entities.drug],
            cargos=[entities.cargo],
            source_cell=entities.cell,
            mechanisms=[entities.mechanism],
            citation=entities.citation,
            therapy_class=entities.drug.therapy_class,
        )
    return entities


def build() -> tuple[Linked, Linked]:
    """A few rows and many rows for each detail page (the few in a therapy class of their own),
    and 50 of each entity with its own evidence for the index pages."""
    few = linked(5, therapy_class=TherapyClassFactory(slug="few-rows", name="Few rows"))
    many = linked(50)
    for _ in range(50):
        MechanismFactory()
        EvidenceFactory(drugs=[DrugFactory()], cargos=[CargoFactory()], source_cell=CellFactory())
    return few, many


@pytest.fixture(scope="module")
def rows_for_module(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build)


@pytest.fixture
def rows(rows_for_module, db):
    # Built once per module: no test here changes its objects in memory.
    return rows_for_module


@pytest.mark.parametrize("page", DETAIL_PAGES)
def test_detail_page_query_count_does_not_grow_with_rows(client, rows, django_assert_max_num_queries, page):
    few, many = rows
    label_letters()  # the citations' letters: read once per data version, not per page
    # The drug and cargo pages also count their network's nodes and links (its no-script table);
    # the cargo page reads its relatives (family, targets), the JSON-LD a drug's classes; a page
    # of rows is read as its ids, then their rows (``rows_of``).
    with django_assert_max_num_queries(23) as small:
        response = client.get(few.url(page) + "?page_size=50")
    assert len(response.context["page"]) == few.rows
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(many.url(page) + "?page_size=50")
    assert len(response.context["page"]) == 50


@pytest.mark.parametrize("url", ["/drugs/", "/cargos/", "/cells/", "/mechanisms/", "/therapy-classes/", "/citations/"])
def test_index_page_query_count_does_not_grow_with_rows(client, rows, django_assert_max_num_queries, url):
    label_letters()
    with django_assert_max_num_queries(8) as small:
        response = client.get(url + "?page_size=5")
    shown = len(response.context["page"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url + "?page_size=50")
    assert len(response.context["page"]) >= shown
