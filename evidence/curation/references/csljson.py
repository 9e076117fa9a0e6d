"""CSL-JSON (Zotero, citeproc, Better BibTeX): a JSON list of items, names ``{"family", "given"}``
or ``{"literal"}``, dates ``{"date-parts": [[2019, 11]]}`` or ``{"raw": "2019"}``."""

from __future__ import annotations

import json
import re
import sys

from evidence.curation.references.records import (
    EntryError,
    Reading,
    citation_values,
    first_text,
    read_records,
    stored_name,
)

NAME = "CSL-JSON"
COMMAND = "import_references"
_ENTRY_TYPES = {
    **dict.fromkeys(("article-journal", "article-magazine", "article-newspaper", "article"), "article"),
    "book": "book",
    "chapter": "inbook",
    "paper-conference": "inproceedings",
    "thesis": "phdthesis",
    "manuscript": "unpublished",
}


def looks_like(text: str) -> bool:
    return text.lstrip()[:1] in ("[", "{")


def count(text: str) -> int:
    """How many items a file holds (0 when it is no JSON list)."""
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):  # ``read`` says why
        return 0
    return len(items) if isinstance(items, list) else 0


def read(text: str, source: str, progress=None) -> Reading:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EntryError(f"the file is not valid JSON ({exc.msg}, column {exc.colno}).", exc.lineno) from None
    except RecursionError:
        raise EntryError("the JSON is nested too deeply to be a CSL-JSON file (a list of items).") from None
    except ValueError:  # Python's limit on the digits of a number
        raise EntryError(
            f"the file holds a number of more than {sys.get_int_max_str_digits():,} digits, "
            "which no CSL-JSON field takes."
        ) from None
    if not isinstance(items, list):
        what = "one object" if isinstance(items, dict) else f"a JSON {type(items).__name__}"
        raise EntryError(f"a CSL-JSON file is a list of items ([{{...}}, ...]); this one holds {what}.")
    keyed = [(None, item.get("id") if isinstance(item, dict) else None, item) for item in items]
    return read_records(source, keyed, item_values, what="CSL-JSON items", id_name="id", progress=progress)


def _name(person) -> str:
    if not isinstance(person, dict):
        raise EntryError(f"an author is not a name object: {json.dumps(person)[:40]}.")
    for part in ("literal", "family", "given", "non-dropping-particle", "dropping-particle", "suffix"):
        if not isinstance(person.get(part), str | int | float | None):
            raise EntryError(f"an author's {part} is {json.dumps(person[part])[:40]}, not text.")
    if person.get("literal"):
        return str(person["literal"]).strip()
    family = " ".join(str(part) for part in (person.get("non-dropping-particle"), person.get("family")) if part).strip()
    given = " ".join(str(part) for part in (person.get("given"), person.get("dropping-particle")) if part).strip()
    return stored_name(family, str(person.get("suffix") or "").strip(), given)


def _year(issued) -> int | None:
    if not isinstance(issued, dict):
        return issued if isinstance(issued, int | str) else None
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] and parts[0][0] is not None:
        return parts[0][0]
    raw = str(issued.get("raw") or issued.get("literal") or "")
    found = re.search(r"(?<!\d)[12]\d{3}(?!\d)", raw)
    return found.group(0) if found else None


def item_values(item) -> dict:
    if not isinstance(item, dict):
        raise EntryError(f"the item is not a JSON object but {json.dumps(item)[:40]}.")
    authors = item.get("author") or item.get("editor") or []
    if not isinstance(authors, list):
        raise EntryError("its author field is not a list of names.")
    entry_type = _ENTRY_TYPES.get(first_text(item, "type"), "misc")
    url = first_text(item, "URL")
    return citation_values(
        entry_type=entry_type,
        title=first_text(item, "title"),
        authors=[name for name in map(_name, authors) if name],
        journal=first_text(item, "container-title", "collection-title"),
        year=_year(item.get("issued")),
        volume=first_text(item, "volume"),
        issue=first_text(item, "issue"),
        pages=re.sub(r"\s*[–—]\s*", "-", first_text(item, "page")),
        publisher=first_text(item, "publisher"),
        doi=first_text(item, "DOI"),
        pmid=first_text(item, "PMID"),
        pmcid=first_text(item, "PMCID"),
        url=url if url.lower().startswith(("http://", "https://")) else "",
        abstract=first_text(item, "abstract"),
    )
