"""Citations in the forms Zotero, Mendeley and EndNote import: BibTeX, RIS and CSL-JSON (also what
citeproc and Pandoc take). A retraction or editorial notice travels in a note, so a reader's library
says so too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import rispy

from evidence.curation.bibtex import citation_key, citations_to_bibtex
from evidence.models import Citation

#: BibTeX entry type -> RIS reference type and CSL type.
_TYPES = {
    "article": ("JOUR", "article-journal"),
    "book": ("BOOK", "book"),
    "inbook": ("CHAP", "chapter"),
    "incollection": ("CHAP", "chapter"),
    "inproceedings": ("CONF", "paper-conference"),
    "phdthesis": ("THES", "thesis"),
    "unpublished": ("UNPB", "manuscript"),
    "misc": ("GEN", "document"),
}
_SPACE = re.compile(r"\s+")


def _line(value) -> str:
    """One line of text: RIS ends a field at a line break, so a title cannot hold one."""
    return _SPACE.sub(" ", str(value or "")).strip()


def _pages(pages: str) -> tuple[str, str]:
    first, _, last = _line(pages).replace("--", "-").partition("-")
    return first.strip(), last.strip()


def _notes(citation: Citation) -> list[str]:
    notes = []
    if citation.retracted:
        notes.append(f"RETRACTED: {_line(citation.retraction_note)}")
    if citation.notice:
        notes.append(f"{citation.get_notice_display()}: {_line(citation.notice_note)}")
    if citation.pmid:
        notes.append(f"PMID: {citation.pmid}")
    if citation.pmcid:
        notes.append(f"PMCID: {citation.pmcid}")
    return notes


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers records ("1."); reference managers expect bare TY lines


def citations_to_ris(citations: Iterable[Citation]) -> str:
    records = []
    for citation in citations:
        first, last = _pages(citation.pages)
        record = {
            "type_of_reference": _TYPES.get(citation.entry_type, _TYPES["misc"])[0],
            "id": citation_key(citation),
            "authors": [_line(a) for a in citation.authors or []],
            "primary_title": _line(citation.title),
            "secondary_title": _line(citation.journal),
            "year": str(citation.year or ""),
            "volume": _line(citation.volume),
            "number": _line(citation.issue),
            "start_page": first,
            "end_page": last,
            "publisher": _line(citation.publisher),
            "doi": citation.doi or "",
            "abstract": _line(citation.abstract),
            "notes": _notes(citation),
            "urls": [url for url in (citation.doi_url, citation.pubmed_url, citation.url) if url],
        }
        records.append({key: value for key, value in record.items() if value})
    return rispy.dumps(records, implementation=_RisWriter) if records else ""


def _csl_name(author: str) -> dict:
    family, comma, given = str(author).partition(",")
    if not comma:
        return {"literal": family.strip()}  # a consortium or a single name
    return {"family": family.strip(), "given": given.strip()}


def citation_to_csl(citation: Citation) -> dict:
    item = {
        "id": citation_key(citation),
        "type": _TYPES.get(citation.entry_type, _TYPES["misc"])[1],
        "title": citation.title,
        "author": [_csl_name(a) for a in citation.authors or []],
        "container-title": citation.journal,
        "issued": {"date-parts": [[citation.year]]} if citation.year else None,
        "volume": citation.volume,
        "issue": citation.issue,
        "page": citation.pages,
        "publisher": citation.publisher,
        "DOI": citation.doi,
        "PMID": citation.pmid,
        "PMCID": citation.pmcid,
        "URL": citation.doi_url or citation.pubmed_url or citation.url,
        "abstract": citation.abstract,
        "note": "; ".join(_notes(citation)),
    }
    return {key: value for key, value in item.items() if value}


@dataclass(frozen=True)
class ReferenceFormat:
    label: str
    media_type: str
    extension: str
    #: A chunk of citations as text.
    write: Callable[[list[Citation]], str]
    head: str = ""
    #: Between the text of two chunks.
    separator: str = ""
    tail: str = ""
    #: An error message as a file of the format (a renderer's answer to a failed request).
    error: Callable[[str], str] = "{}\n".format

    def stream(self, chunks: Iterable[list[Citation]]) -> Iterator[str]:
        yield self.head
        separator = ""
        for text in filter(None, map(self.write, chunks)):
            yield separator + text
            separator = self.separator
        yield self.tail

    def one(self, citation: Citation) -> str:
        return "".join(self.stream([[citation]]))


def citations_to_csl(citations: list[Citation]) -> str:
    return ",\n".join(json.dumps(citation_to_csl(c), ensure_ascii=False) for c in citations)


FORMATS = {
    # An error as a comment, which every BibTeX parser skips.
    "bibtex": ReferenceFormat("BibTeX", "application/x-bibtex", "bib", citations_to_bibtex, error="% {}\n".format),
    "ris": ReferenceFormat("RIS", "application/x-research-info-systems", "ris", citations_to_ris),
    "csljson": ReferenceFormat(
        "CSL-JSON",
        "application/vnd.citationstyles.csl+json",
        "json",
        citations_to_csl,
        head="[\n",
        separator=",\n",
        tail="\n]\n",
        error=lambda text: json.dumps({"detail": text}),
    ),
}
#: How links name each format, in FORMATS order.
LABELS = {name: found.label for name, found in FORMATS.items()}
