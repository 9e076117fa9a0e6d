import bibtexparser
import pytest

from evidence.curation.bibtex import citations_to_bibtex
from tests.factories import CitationFactory

pytestmark = pytest.mark.django_db


def test_it_writes_every_bibliographic_field():
    citation = CitationFactory(
        bibtex_key="han2020",
        doi="10.1038/s41419-020-2250-5",
        pmid="31980596",
        title="Exosome-transmitted miR-567 reverses trastuzumab resistance",
        authors=["Han, M.", "Hu, J."],
        authors_truncated=True,
        journal="Cell Death Dis.",
        year=2020,
        volume="11",
        pages="43",
        retracted=True,
        retraction_note="Retracted in 2023.",
    )
    library = bibtexparser.parse_string(citations_to_bibtex([citation]))
    entry = library.entries[0]
    assert entry.key == "han2020"
    assert entry.entry_type == "article"
    assert entry["doi"] == "10.1038/s41419-020-2250-5"
    assert entry["pmid"] == "31980596"
    assert entry["author"] == "Han, M. and Hu, J. and others"
    assert entry["retracted"] == "yes"


def test_unbalanced_braces_in_a_value_cannot_break_the_file():
    citation = CitationFactory(title="A title } with @article{evil, title={x}} inside {")
    library = bibtexparser.parse_string(citations_to_bibtex([citation, CitationFactory()]))
    assert len(library.entries) == 2
    assert not library.failed_blocks
