"""Request bodies the API refuses before any serializer sees them (a clear 400, never a 500).

PostgreSQL text cannot hold NUL (``\\x00``): a name with one reached the database as a
lookup and failed there. A JSON body nested thousands of levels deep overflowed
Python's recursion while it was parsed. Neither is ever meant; both are refused here,
for every endpoint at once.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

#: Deeper than any request body the API defines (an evidence item is 2 levels deep).
MAX_DEPTH = 20


def check_body(data: Any) -> Any:
    """``data`` unchanged, or a ParseError naming the first NUL or the nesting limit."""
    stack = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"The request body is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(f"{where or 'The body'}: text may not contain NUL characters (\\u0000).")
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1, where))
                stack.append((item, depth + 1, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list | tuple):
            stack.extend((item, depth + 1, where) for item in value)
    return data


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"The request body is nested more than {MAX_DEPTH} levels deep.") from None
        return check_body(data)


class StrictFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_body({key: data.getlist(key) for key in data})
        return data


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_body({key: parsed.data.getlist(key) for key in parsed.data})
        return parsed
