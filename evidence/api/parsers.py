"""Request bodies refused before any serializer sees them, as a 400 and not a 500: text with a NUL,
which PostgreSQL cannot hold, or with half of a UTF-16 surrogate pair (JSON's "\\ud800"), which no
UTF-8 text holds; and JSON nested deeply enough to overflow Python's recursion."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

#: Deeper than any request body the API defines (an evidence item is 2 levels deep).
MAX_DEPTH = 20

#: What a JSON escape may leave unpaired: json.loads joins a whole pair into one character.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_body(data: Any) -> Any:
    """``data`` unchanged, or a ParseError naming the first NUL or lone surrogate, or the nesting limit."""
    stack = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"The request body is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(f"{where or 'The body'}: text may not contain NUL characters (\\u0000).")
            if found := _SURROGATE.search(value):
                raise ParseError(
                    f"{where or 'The body'}: text may not contain half of a UTF-16 surrogate pair "
                    f"(\\u{ord(found[0]):04x}); send the character whole."
                )
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


class _CheckedFields:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_body(dict(getattr(parsed, "data", parsed).lists()))  # a multipart body's fields are its .data
        return parsed


class StrictFormParser(_CheckedFields, FormParser):
    pass


class StrictMultiPartParser(_CheckedFields, MultiPartParser):
    pass
