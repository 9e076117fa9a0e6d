"""Evidence items as the API shows them: the JSON documents PostgreSQL keeps current (migration 0026),
looked up instead of joining nine tables. Added per request, because they are not the item's own:
the scheme and host before every ``url``, and each citation's label with its letter ("Liu et al.
(2023b)"), which depends on every citation. The JSON renderer writes a ``Document`` as it is.
"""

from __future__ import annotations

import itertools
import json
import weakref

from django.db import connections, router
from django.urls import get_script_prefix
from rest_framework.renderers import JSONRenderer

from evidence.models import EvidenceDocument
from evidence.models.citation import label_letters, short_label
from evidence.models.evidence import Status

_READ = """SELECT d.evidence_id, d.document,
       c.id, c.authors::text, c.authors_truncated, c.year, s.id, s.authors::text, s.authors_truncated, s.year
  FROM evidence_document d JOIN evidence_evidence e ON e.id = d.evidence_id
  LEFT JOIN evidence_citation c ON c.id = e.citation_id
  LEFT JOIN evidence_citation s ON s.id = e.secondary_source_id
 WHERE d.evidence_id = {ids}"""
_PUBLIC = f" AND e.status = '{Status.ACCEPTED}'"
#: Prepared statement names by psycopg2 connection, then by (one id, public only).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_serial = itertools.count()


class Document(str):
    """One item's API document, complete, as JSON text; ``citation_id`` is its primary citation."""

    citation_id: int | None = None


def documents(ids: list[int], *, public: bool, request=None, using: str | None = None) -> list[Document]:
    """The documents of items ``ids``, in that order (only the accepted ones, with ``public``)."""
    with connections[using or router.db_for_read(EvidenceDocument)].cursor() as cursor:
        by_id = {row[0]: (row[1], [row[2:6], row[6:]]) for row in _read(cursor, list(ids), public)}
    base = request.build_absolute_uri(get_script_prefix()).rstrip("/") if request is not None else ""
    letters = label_letters()  # once per response: a cache read, not one per item
    return [_complete(*by_id[pk], base, letters) for pk in ids if pk in by_id]


def _read(cursor, ids: list[int], public: bool) -> list[tuple]:
    """The rows of ``_READ``, by a statement prepared once per connection: building it with the ORM or
    planning it (some thirty indexes to weigh) costs more than running it. One id is passed alone,
    not as an array, for which PostgreSQL keeps planning afresh."""
    one = len(ids) == 1
    held = _prepared.setdefault(cursor.db.connection, {})
    name = held.get((one, public))
    prepare = ""
    if name is None:
        # A new name on every attempt: a PREPARE outlives an EXECUTE that fails after it.
        name = f"exoresist_documents_{next(_serial)}"
        sql = _READ.format(ids="$1" if one else "ANY($1)") + (_PUBLIC if public else "")
        prepare = f"PREPARE {name}({'bigint' if one else 'bigint[]'}) AS {sql}; "
    cursor.execute(f"{prepare}EXECUTE {name}(%s)", [ids[0] if one else ids])
    held[one, public] = name
    return cursor.fetchall()


def _complete(text: str, citations: list, base: str, letters: dict[int, str]) -> Document:
    """The document with its citations' labels and absolute URLs; citations: (primary, secondary)."""
    # Keys are matched with their quotes: inside a JSON string every quote is escaped,
    # so no text a curator wrote can match.
    for pk, authors, truncated, year in citations:
        if pk is not None:
            label = short_label(json.loads(authors), truncated, year, letters.get(pk, ""))
            ending = f', "url" : "/api/v1/citations/{pk}/"'
            text = text.replace(f'"label" : ""{ending}', f'"label" : {json.dumps(label, ensure_ascii=False)}{ending}')
    if base:
        text = text.replace('"url" : "/', f'"url" : "{base}/').replace('"html_url" : "/', f'"html_url" : "{base}/')
    document = Document(text)
    document.citation_id = citations[0][0]
    return document


def parsed(items: list) -> list:
    """``items`` with every ``Document`` parsed, for the renderers that need objects."""
    return [json.loads(item) if isinstance(item, Document) else item for item in items]


class DocumentJSONRenderer(JSONRenderer):
    """Writes ``Document`` items (a response, or a page's ``results``) as they are, not encoded again."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        indented = self.get_indent(accepted_media_type, renderer_context or {}) is not None
        if isinstance(data, Document):
            return json.dumps(json.loads(data), indent=4).encode() if indented else data.encode()
        results = data.get("results") if isinstance(data, dict) else None
        if not results or not isinstance(results[0], Document):
            return super().render(data, accepted_media_type, renderer_context)
        if not indented:
            envelope = super().render({**data, "results": None}, accepted_media_type, renderer_context)
            head, marker, tail = envelope.rpartition(b'"results":null')
            if marker:  # DRF's compact form: splice the documents in as they are
                return b"".join([head, b'"results":[', ",".join(results).encode(), b"]", tail])
        return super().render({**data, "results": parsed(results)}, accepted_media_type, renderer_context)
