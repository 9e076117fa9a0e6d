"""PubMed XML (the ``efetch`` export: a ``PubmedArticleSet``) into citation values.

defusedxml refuses a file that declares entities (PubMed's exports declare none). Fields are
read from their fixed paths, never searched for below: a reference list holds other papers' DOIs.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, EntitiesForbidden

from evidence.curation.references.records import (
    EntryError,
    Reading,
    citation_values,
    read_records,
    stored_name,
)

NAME = "PubMed XML"
COMMAND = "import_pubmed"
_RECORD_START = re.compile(r"<Pubmed(?:Book)?Article[\s>]")
REVIEW_TYPES = {"review", "systematic review", "meta-analysis"}


def looks_like(text: str) -> bool:
    head = text.lstrip()[:4096]
    return head.startswith("<") and ("<PubmedArticleSet" in head or "<!DOCTYPE PubmedArticleSet" in head)


def count(text: str) -> int:
    return len(_RECORD_START.findall(text))


def read(text: str, source: str, progress=None) -> Reading:
    try:
        root = SafeET.fromstring(text)
    except EntitiesForbidden:
        raise EntryError(
            "the file declares XML entities, which are refused: a few entities can expand a small file into "
            "gigabytes. PubMed exports declare none; download the file from PubMed again."
        ) from None
    except DefusedXmlException as exc:
        raise EntryError(f"the XML is refused ({exc}); download the file from PubMed again.") from None
    except ParseError as exc:
        line, column = exc.position
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        raise EntryError(
            f"the file is not well-formed XML ({reason}, column {column}); it may be cut short. "
            "Download it from PubMed again.",
            line,
        ) from None
    if root.tag != "PubmedArticleSet":
        raise EntryError(f"the XML is not a PubMed export: it holds <{root.tag}>, not <PubmedArticleSet>.")
    records = [el for el in root if el.tag in ("PubmedArticle", "PubmedBookArticle")]
    keyed = [(None, _text(r.find("MedlineCitation/PMID")) or _text(r.find("BookDocument/PMID")), r) for r in records]
    return read_records(source, keyed, _values, what="PubMed articles", id_name="PMID", progress=progress)


def _values(record: Element) -> dict:
    return book_values(record) if record.tag == "PubmedBookArticle" else article_values(record)


def article_values(record: Element) -> dict:
    citation = record.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if article is None:
        raise EntryError("the record has no <Article>.")
    ids = {el.get("IdType"): _text(el) for el in record.findall("PubmedData/ArticleIdList/ArticleId")}
    types = {_text(t).lower() for t in article.findall("PublicationTypeList/PublicationType")}
    retracted = "retracted publication" in types
    pmid = _text(citation.find("PMID"))
    return citation_values(
        entry_type="article",
        title=_title(article.find("ArticleTitle")) or _title(article.find("VernacularTitle")),
        authors=_authors(article.find("AuthorList")),
        authors_truncated=_truncated(article.find("AuthorList")),
        journal=_text(article.find("Journal/Title")),
        year=_year(article.find("Journal/JournalIssue/PubDate"), article.find("ArticleDate")),
        volume=_text(article.find("Journal/JournalIssue/Volume")),
        issue=_text(article.find("Journal/JournalIssue/Issue")),
        pages=_pages(article),
        doi=_elocation(article, "doi") or ids.get("doi"),
        pmid=pmid,
        pmcid=ids.get("pmc"),
        abstract=abstract_text(article.find("Abstract")),
        publication_type="review" if types & REVIEW_TYPES else "primary",
        retracted=retracted,
        retraction_note=_retraction_note(citation, pmid) if retracted else "",
    )


def book_values(record: Element) -> dict:
    document = record.find("BookDocument")
    book = document.find("Book") if document is not None else None
    if book is None:
        raise EntryError("the book record has no <Book>.")
    chapter = _title(document.find("ArticleTitle"))
    book_title = _title(book.find("BookTitle"))
    authors = document.find("AuthorList")
    if authors is None:
        authors = book.find("AuthorList")
    ids = {el.get("IdType"): _text(el) for el in document.findall("ArticleIdList/ArticleId")}
    return citation_values(
        entry_type="inbook" if chapter else "book",
        title=chapter or book_title,
        journal=book_title if chapter else "",
        authors=_authors(authors),
        authors_truncated=_truncated(authors),
        year=_year(book.find("PubDate")),
        publisher=_text(book.find("Publisher/PublisherName")),
        doi=ids.get("doi"),
        pmid=_text(document.find("PMID")),
        abstract=abstract_text(document.find("Abstract")),
    )


def _text(element: Element | None) -> str:
    """All the text of an element, inline markup included, on one line."""
    if element is None:
        return ""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _title(element: Element | None) -> str:
    return without_full_stop(_text(element))


def without_full_stop(title: str) -> str:
    """MEDLINE ends every title with a full stop; other sources do not."""
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def abstract_text(abstract: Element | None) -> str:
    """The abstract; a structured one as "BACKGROUND: ..." lines."""
    parts = abstract.findall("AbstractText") if abstract is not None else []
    sections = ((part.get("Label") or "", _text(part)) for part in parts)
    return "\n".join(f"{label}: {text}" if label else text for label, text in sections if label or text)


def _authors(author_list: Element | None) -> list[str]:
    names = []
    for author in author_list.findall("Author") if author_list is not None else []:
        if author.get("ValidYN") == "N":
            continue
        family = _text(author.find("LastName"))
        given = _text(author.find("ForeName")) or _text(author.find("Initials"))
        if family:
            names.append(stored_name(family, _text(author.find("Suffix")), given))
        elif collective := _text(author.find("CollectiveName")):
            names.append(collective)
    return names


def _truncated(author_list: Element | None) -> bool:
    return author_list is not None and author_list.get("CompleteYN") == "N"


def _year(*dates: Element | None) -> int | None:
    """From <Year>, else a <MedlineDate> such as "2019 Nov-Dec" or "2018 Winter"."""
    for date in dates:
        if date is not None and (raw := _text(date.find("Year")) or _text(date.find("MedlineDate"))):
            return raw
    return None


def expand_pages(pages: str) -> str:
    """MEDLINE shortens the last page: "1234-40" is 1234-1240."""
    match = re.fullmatch(r"(\d+)-(\d+)", pages)
    if match and len(match.group(2)) < len(match.group(1)):
        first, last = match.groups()
        return f"{first}-{first[: len(first) - len(last)]}{last}"
    return pages


def _pages(article: Element) -> str:
    pages = _text(article.find("Pagination/MedlinePgn"))
    if not pages:
        start, end = _text(article.find("Pagination/StartPage")), _text(article.find("Pagination/EndPage"))
        pages = f"{start}-{end}" if start and end else start
    return expand_pages(pages) or _elocation(article, "pii")


def _elocation(article: Element, kind: str) -> str:
    for location in article.findall("ELocationID"):
        if location.get("EIdType") == kind and location.get("ValidYN", "Y") == "Y":
            return _text(location)
    return ""


def _retraction_note(citation: Element, pmid: str) -> str:
    for comment in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        if comment.get("RefType") == "RetractionIn":
            source = _text(comment.find("RefSource")).rstrip(".")
            notice = _text(comment.find("PMID"))
            return f"Retraction in {source}" + (f" (PMID {notice})." if notice else ".")
    return f"Marked as a retracted publication in PubMed (PMID {pmid})."
