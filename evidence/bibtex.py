"""BibTeX out (and, through the importer, back in), written with bibtexparser 2.x.

The fields ExoResist adds beyond standard BibTeX (``pmid``, ``pmcid``, ``retracted``,
``retractionnote``, ``pubtype``) are ignored by LaTeX but let an export re-import to
the same record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import bibtexparser
from bibtexparser.model import Entry, Field

from evidence.models import Citation

_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:\-]+")


def citation_key(citation: Citation) -> str:
    if citation.bibtex_key:
        return _KEY_UNSAFE.sub("", citation.bibtex_key) or f"exoresist{citation.pk}"
    surname = _KEY_UNSAFE.sub("", citation.first_author_surname.lower()) or "anon"
    return f"{surname}{citation.year or ''}exr{citation.pk}"


def citation_to_entry(citation: Citation) -> Entry:
    authors = [str(a) for a in citation.authors or []]
    if citation.authors_truncated:
        authors.append("others")
    values = [
        ("author", " and ".join(authors)),
        ("title", citation.title),
        ("journal", citation.journal),
        ("year", str(citation.year) if citation.year else ""),
        ("volume", citation.volume),
        ("number", citation.issue),
        ("pages", citation.pages.replace("-", "--") if re.fullmatch(r"\w+-\w+", citation.pages) else citation.pages),
        ("publisher", citation.publisher),
        ("doi", citation.doi or ""),
        ("pmid", citation.pmid or ""),
        ("pmcid", citation.pmcid),
        ("url", citation.url),
        ("abstract", citation.abstract),
        ("pubtype", citation.publication_type),
        ("retracted", "yes" if citation.retracted else ""),
        ("retractionnote", citation.retraction_note),
    ]
    fields = [Field(name, _escape(value)) for name, value in values if value]
    return Entry(citation.entry_type or "article", citation_key(citation), fields)


def citations_to_bibtex(citations: Iterable[Citation]) -> str:
    library = bibtexparser.Library()
    seen: set[str] = set()
    for citation in citations:
        entry = citation_to_entry(citation)
        # Two citations may share a key typed by curators; BibTeX cannot hold both.
        if entry.key in seen:
            entry.key = f"{entry.key}exr{citation.pk}"
        seen.add(entry.key)
        library.add(entry)
    return bibtexparser.write_string(library)


def _escape(value: str) -> str:
    """Values are written inside braces: balance them so that no value can end its entry early."""
    value = str(value).replace("\x00", "")
    depth = 0
    out = []
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                out.append(")")
                continue
            depth -= 1
        out.append(ch)
    return "".join(out) + "}" * depth
