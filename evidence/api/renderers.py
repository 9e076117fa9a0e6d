"""CSV, TSV and reference-manager forms of what the views do not stream: a single object, or an error."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from rest_framework.renderers import BaseRenderer

from evidence.api.reference_formats import FORMATS
from exoresist.csvsafe import spreadsheet_safe


def safe_cell(value: Any) -> Any:
    """A cell value a spreadsheet will show as text, not evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_safe(value)


def flatten(value: Any) -> Any:
    """One cell for a nested value: an embedded object becomes its name, a list is joined by "; "."""
    if isinstance(value, dict):
        for key in ("name", "symbol", "label", "slug", "id", "detail"):
            if key in value:
                return flatten(value[key])
        return "; ".join(f"{k}: {flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(str(flatten(v)) for v in value)
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def table_rows(columns: list[str], rows: Iterable[Iterable[Any]], delimiter: str) -> Iterator[str]:
    """Lines of a CSV/TSV table, header first, every cell guarded against formula injection."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


class TableRenderer(BaseRenderer):
    delimiter = ","
    charset = "utf-8"
    render_style = "text"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        items = data if isinstance(data, list) else [data]
        # One row per item; a bare value (an error message) is the "value" column.
        items = [item if isinstance(item, dict) else {"value": item} for item in items]
        columns = list(dict.fromkeys(key for item in items for key in item))
        rows = ([flatten(item.get(column)) for column in columns] for item in items)
        return "".join(table_rows(columns, rows, self.delimiter)).encode(self.charset)


class CSVRenderer(TableRenderer):
    media_type = "text/csv"
    format = "csv"


class TSVRenderer(TableRenderer):
    media_type = "text/tab-separated-values"
    format = "tsv"
    delimiter = "\t"


class ReferenceRenderer(BaseRenderer):
    """One citation (``view.reference_object``) in a reference manager's format, or an error."""

    charset = "utf-8"
    render_style = "text"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        citation = getattr(renderer_context.get("view"), "reference_object", None)
        found = FORMATS[self.format]
        if response is not None and response.status_code < 400 and citation is not None:
            return found.one(citation).encode(self.charset)
        return found.error(flatten(data) if data is not None else "").encode(self.charset)


REFERENCE_RENDERERS = [
    type(f"{name}Renderer", (ReferenceRenderer,), {"format": name, "media_type": found.media_type})
    for name, found in FORMATS.items()
]
