"""Guard for CSV/TSV exports opened in a spreadsheet (OWASP "CSV injection"): a cell starting
with = + - @ (or a tab/carriage return) is run as a formula; a leading apostrophe makes it
text. Plain negative numbers and a lone "-" are left alone so numeric columns stay numeric."""

import re

_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    if not isinstance(value, str) or not value.startswith(_TRIGGERS):
        return value
    if value == "-" or _NUMBER.match(value):
        return value
    return "'" + value
