"""BibTeX out and in, with bibtexparser 2.x. The fields added beyond standard BibTeX (``pmid``,
``pmcid``, ``retracted``, ``retractionnote``, ``pubtype``) let an export re-import to the same record."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.middlewares import (
    BlockMiddleware,
    LatexDecodingMiddleware,
    MonthIntMiddleware,
    NormalizeFieldKeys,
    RemoveEnclosingMiddleware,
)
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ImplicitComment,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
    String,
)
from bibtexparser.splitter import Splitter

from evidence.choices import EntryType, PublicationType
from evidence.curation.references.records import (
    DOI_URL,
    PMCID_IN_TEXT,
    PMID_IN_TEXT,
    EntryError,
    ImportReport,
    ParsedEntry,
    Problem,
    Reading,
    citation_values,
    import_files,
    or_in_text,
    stored_name,
)
from evidence.models import Citation

_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:\-]+")


def citation_key(citation: Citation) -> str:
    if citation.bibtex_key:
        return _KEY_UNSAFE.sub("", citation.bibtex_key) or f"exoresist{citation.pk}"
    surname = _KEY_UNSAFE.sub("", citation.first_author_surname.lower()) or "anon"
    return f"{surname}{citation.year or ''}exr{citation.pk}"


def citation_to_entry(citation: Citation) -> Entry:
    # A name without a comma is a single family or corporate name ("World Health
    # Organization"): braced, BibTeX does not split it into given and family names.
    authors = [_escape(a) if "," in a else "{" + _escape(a) + "}" for a in map(str, citation.authors or [])]
    if citation.authors_truncated:
        authors.append("others")
    # A line break is a space to BibTeX: an abstract's lines (a structured abstract's
    # sections) are written as paragraphs, which the import reads back as lines.
    abstract = "\n\n".join(line.strip() for line in citation.abstract.splitlines() if line.strip())
    fields = [Field("author", " and ".join(authors))] if authors else []
    values = [
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
        ("abstract", abstract),
        ("pubtype", citation.publication_type),
        ("retracted", "yes" if citation.retracted else ""),
        ("retractionnote", citation.retraction_note),
    ]
    fields += [Field(name, _escape(value, verbatim=name in _VERBATIM_FIELDS)) for name, value in values if value]
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


#: What LaTeX (and so the import) would read as markup in text, written as the character itself.
_LATEX_TEXT = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
}  # fmt: skip
_LATEX_SPECIAL = re.compile("|".join(map(re.escape, _LATEX_TEXT)))


def _escape(value: str, *, verbatim: bool = False) -> str:
    """A value as written inside braces, read back by the import as it is: text has LaTeX's special
    characters escaped, a verbatim value (which the import does not decode) its braces balanced."""
    value = str(value).replace("\x00", "")
    if not verbatim:
        return _LATEX_SPECIAL.sub(lambda special: _LATEX_TEXT[special.group()], value)
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


# --- BibTeX in, as the reader of ``references.intake`` ----------------------------

NAME = "BibTeX"
COMMAND = "import_bibtex"
BIBTEX_REASON = "Imported from BibTeX"

_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
    "b": "\u0331",
}  # fmt: skip
_SYMBOLS = dict(ss="ß", o="ø", O="Ø", aa="å", AA="Å", ae="æ", AE="Æ", oe="œ", OE="Œ", l="ł", L="Ł")
# {\"u}, \"{u}, \"u, \'{\i}, \c{c}, \c c: a punctuation accent takes its letter at
# once; a letter accent (\c, \v, ...) needs a space or braces before its letter.
_ACCENT_RE = re.compile(
    r"""\\(?:(?P<punct>["'`^~=.])\s*|(?P<letter>[uvHckrdb])(?:\s+|(?=\{)))"""
    r"""(?:\{\s*(?P<braced>\\[ij]|[A-Za-z])\s*\}|(?P<bare>\\[ij](?![A-Za-z])|[A-Za-z]))"""
)
_SYMBOL_RE = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L)(?![A-Za-z])(?:\{\}|\s)?")
_ESCAPE_RE = re.compile(r"\\([&%$#_{}])")
#: What the fast path reads besides accents: escapes, the export's symbols, braces and the tie.
_PLAIN_LATEX = re.compile(
    r"\\(?:(?P<escaped>[&%$#_{}])|text(?P<symbol>asciitilde|asciicircum|backslash)(?![A-Za-z])(?:\{\}|\s*))"
    r"|(?P<brace>[{}])|(?P<tie>~)"
)
_TEXT_SYMBOLS = {"asciitilde": "~", "asciicircum": "^", "backslash": "\\"}
_LATEX_CHARS = re.compile(r"[\\{}$~]")
#: A blank line: paragraphs of an abstract are kept as its lines.
_PARAGRAPH = re.compile(r"\n\s*\n")
_WHITESPACE = re.compile(r"\s+")
_RAW_PERCENT = re.compile(r"(?<!\\)%")
_ENTRY_KEY_RE = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]*)")
#: "and" between two names, captured so that one inside braces can be put back as it was. Its spaces
#: are not part of it: "Smith, J. and and Doe, A." has two, and one may start or end the field.
_AND = re.compile(r"((?<!\S)and(?!\S))", re.IGNORECASE)
_BRACE = re.compile(r"(?<!\\)[{}]")
#: Fields written verbatim (identifiers and addresses): only escapes and braces are removed.
_VERBATIM_FIELDS = {"doi", "url", "pmid", "pmcid", "eprint", "isbn", "issn"}
_NAME_FIELDS = {"author", "editor"}

#: BibTeX entry types ExoResist keeps as they are, and the synonyms it maps; the rest are misc.
_ENTRY_TYPES = {
    **{t: t for t in EntryType.values},
    "conference": "inproceedings",
    "thesis": "phdthesis",
    "preprint": "unpublished",
}


def _accent(match: re.Match) -> str:
    mark = _ACCENTS[match.group("punct") or match.group("letter")]
    base = match.group("braced") or match.group("bare")
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


def _plain(match: re.Match) -> str:
    if match.group("escaped"):
        return match.group("escaped")
    if match.group("symbol"):
        return _TEXT_SYMBOLS[match.group("symbol")]
    return " " if match.group("tie") else ""


def split_persons(value: str) -> list[str]:
    """The names of an author or editor field, split at "and" outside braces as BibTeX does.
    Not bibtexparser's ``split_multiple_persons_names``: in 2.1 it drops the start of a name
    after "and" that begins with a LaTeX escape (``\\L{}ukaszewski`` became "ukaszewski")."""
    names, name, depth = [], [], 0
    for index, piece in enumerate(_AND.split(value)):
        if index % 2 and depth <= 0:  # an "and" outside braces
            names.append("".join(name).strip())
            name = []
            continue
        name.append(piece)
        depth += sum(1 if brace == "{" else -1 for brace in _BRACE.findall(piece))
    names.append("".join(name).strip())
    return [name for name in names if name]


class LatexToUnicode(LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, with regular expressions for accents, special letters,
    escapes and braces (pylatexenc, far slower, only for other macros). Names are split before
    braces go (``{Barnes and Noble}`` is one name); identifiers and URLs are never decoded."""

    def __init__(self):
        super().__init__(allow_inplace_modification=True, keep_math_mode=False)

    def decode(self, value: str, *, verbatim: bool = False) -> str:
        if not _LATEX_CHARS.search(value):
            return value.strip() if verbatim else _WHITESPACE.sub(" ", value).strip()
        if verbatim:
            return _ESCAPE_RE.sub(r"\1", value).replace("{", "").replace("}", "").strip()
        text = _ACCENT_RE.sub(_accent, value)
        text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(1)], text)
        rest = _PLAIN_LATEX.sub("", text)
        if "$" in rest or re.search(r"\\[A-Za-z]", rest):
            # Anything else is real LaTeX; a bare % in a title is text, not a comment.
            text, _ = super()._transform_python_value_string(_RAW_PERCENT.sub(r"\\%", text))
        else:
            text = _PLAIN_LATEX.sub(_plain, text)
        return _WHITESPACE.sub(" ", text).strip()

    def split_names(self, value: str) -> list[str]:
        """``"M{\\"u}ller, J. and Smith, Jane and others"`` -> ["Müller, J.", "Smith, Jane", "others"]."""
        persons = split_persons(value)
        others = any(raw.strip().lower() == "others" for raw in persons)
        # A name of nothing but braces or spaces ("{}", "~") is no author.
        names = [name for raw in persons if raw.strip().lower() != "others" and (name := self.name(raw))]
        return [*names, "others"] if others else names

    def name(self, raw: str) -> str:
        parts = parse_single_name_into_parts(raw, strict=True)
        family = " ".join(self.decode(p) for p in [*parts.von, *parts.last] if p)
        given = " ".join(self.decode(p) for p in parts.first if p)
        return stored_name(family, " ".join(self.decode(p) for p in parts.jr if p), given)

    def transform_entry(self, entry: Entry, library) -> Entry | MiddlewareErrorBlock:
        try:
            for field in entry.fields:
                if not isinstance(field.value, str):
                    continue
                key = field.key.lower()
                if key in _NAME_FIELDS:
                    field.value = self.split_names(field.value)
                elif key == "abstract":
                    paragraphs = (self.decode(paragraph) for paragraph in _PARAGRAPH.split(field.value))
                    field.value = "\n".join(paragraph for paragraph in paragraphs if paragraph)
                else:
                    field.value = self.decode(field.value, verbatim=key in _VERBATIM_FIELDS)
        except InvalidNameError as exc:
            return MiddlewareErrorBlock(entry, exc)
        return entry

    def transform_string(self, string, library):
        return string


#: Braces, quotes and equals signs in a field's raw value, unless escaped (the splitter's rule).
_VALUE_MARKS = re.compile(r'(?<!\\)[{}"=]')


class DuplicateFieldCheck(BlockMiddleware):
    """Refuses a field given twice in another case ("doi" and "DOI"): bibtexparser keeps the last
    without a word (the same case it refuses, with a message about its own internals)."""

    def transform_entry(self, entry: Entry, library) -> Entry | MiddlewareErrorBlock:
        seen: dict[str, str] = {}
        for field in entry.fields:
            if field.key.lower() in seen:
                return MiddlewareErrorBlock(entry, EntryError(_twice(seen[field.key.lower()], field.key)))
            seen[field.key.lower()] = field.key
        return entry


def _twice(first: str, second: str) -> str:
    names = first if first == second else f"{first} (and as {second})"
    return f"the field {names} is given twice; keep the right one and remove the other."


class MissingCommaCheck(BlockMiddleware):
    """Refuses a field without its comma: bibtexparser reads ``title = {X}`` and ``doi = {Y}`` on
    the next line as one value. An ``=`` outside braces and quotes can only be the next field."""

    def transform_entry(self, entry: Entry, library) -> Entry | MiddlewareErrorBlock:
        for field in entry.fields:
            if isinstance(field.value, str) and (at := _unquoted_equals(field.value)) is not None:
                before = field.value[:at]
                name = found.group(1) if (found := re.search(r"(\w+)\s*$", before)) else "next"
                line = (field.start_line or 0) + 1 + before.count("\n")
                return MiddlewareErrorBlock(
                    entry,
                    EntryError(
                        f"a comma is missing after the {field.key} field: the {name} field on line {line} "
                        f"would be read as part of the {field.key} and lost. Add the comma."
                    ),
                )
        return entry


_MONTHS = ("january february march april may june july august september october november december").split()
#: A macro's name as BibTeX reads one: no spaces, none of "#%'(),={} and not starting with a digit.
_MACRO_NAME = re.compile(r"""[^\d\s"#%'(),={}][^\s"#%'(),={}]*""")
#: A value standing alone that is read as a macro: a word ("jev"), not an address or a number.
_WORD = re.compile(r"[A-Za-z][\w-]*")


class ResolveMacros(BlockMiddleware):
    """@string macros expanded as BibTeX does: ``jev``, ``"Cancer " # jev # {, 2020}``, a macro made of
    macros defined before it, and the month names. bibtexparser 2 expands only a macro standing alone,
    and leaves an undefined one as its name (``journal = jevv`` was stored as "jevv"). A macro that is
    not defined, or only after the macro using it (as ``@string{a = a}``), is an error of the entry using it."""

    def __init__(self, library) -> None:
        super().__init__(allow_inplace_modification=True)
        self.macros: dict[str, str | EntryError] = {month[:3]: month.title() for month in _MONTHS}
        for string in library.strings:
            key = string.key.lower()
            try:
                self.macros[key] = self.expand(string.value, f"the @string macro {string.key}", itself=key)
            except EntryError as exc:
                self.macros[key] = exc

    def expand(self, value: str, what: str, itself: str = "") -> str:
        """The text of ``value``'s pieces joined; ``EntryError`` for a macro it cannot expand."""
        out = []
        for token in _concatenated(value):
            if len(token) >= 2 and (token[0], token[-1]) in (("{", "}"), ('"', '"')):
                out.append(token[1:-1])
            elif token.isdigit():
                out.append(token)
            elif not _MACRO_NAME.fullmatch(token):
                raise EntryError(f"{what} holds {token[:40]!r}, which is neither text in braces or quotes nor a macro.")
            elif isinstance(found := self.macros.get(token.lower()), str):
                out.append(found)
            elif found is not None:
                raise EntryError(f"{what} uses the @string macro {token}, which cannot be expanded: {found}")
            elif token.lower() == itself:
                raise EntryError(f"{what} is defined by itself.")
            else:
                before = " before it" if itself else ""
                raise EntryError(
                    f"{what} uses the @string macro {token}, which the file does not define{before}. Define it with "
                    f"@string{{{token} = {{...}}}}, or write the value in braces."
                )
        return "".join(out)

    def transform_entry(self, entry: Entry, library) -> Entry | MiddlewareErrorBlock:
        for field in entry.fields:
            value = field.value
            if not isinstance(value, str) or field.key.lower() == "month" or value.strip().isdigit():
                continue  # a month name is MonthIntMiddleware's
            tokens = _concatenated(value)
            if len(tokens) == 1 and (tokens[0][:1] in ("{", '"') or not _WORD.fullmatch(tokens[0])):
                continue  # plain text, the usual case, or bare text such as 2019a or an address, read as it is
            try:
                field.value = "{" + self.expand(value, f"the {field.key} field") + "}"
            except EntryError as exc:
                return MiddlewareErrorBlock(entry, exc)
        return entry


def _concatenated(value: str) -> list[str]:
    """The pieces of a value joined by ``#`` outside braces and quotes, each stripped."""
    pieces, start, depth, quoted = [], 0, 0, False
    for mark in re.finditer(r'(?<!\\)[{}"#]', value):
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            pieces.append(value[start : mark.start()].strip())
            start = mark.end()
    pieces.append(value[start:].strip())
    return pieces


def _unquoted_equals(value: str) -> int | None:
    depth, quoted = 0, False
    for mark in _VALUE_MARKS.finditer(value):
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char == '"':
            quoted = not quoted
        elif depth == 0 and not quoted and char == "=":
            return mark.start()
    return None


#: The start of an entry other than @string, @comment and @preamble, counted before parsing.
_ENTRY_START = re.compile(r"^[ \t]*@(?!(?:string|comment|preamble)\b)[A-Za-z]+[ \t]*[{(]", re.MULTILINE | re.IGNORECASE)
#: How many times its own size (at least 1 MB) a file's @string macros may expand it to.
EXPANSION_FACTOR = 4


class _ProgressSplitter(Splitter):
    """bibtexparser's splitter, moving a progress bar (through a private method: if a later
    bibtexparser renames it, the bar just stands still)."""

    STEP = 1 << 16

    def __init__(self, bibstr: str, advance: Callable[[int], object]) -> None:
        super().__init__(bibstr=bibstr)
        self.advance, self._reported = advance, 0

    def _report(self, position: int, step: int) -> None:
        if position - self._reported >= step:
            self.advance(position - self._reported)
            self._reported = position

    def _next_mark(self, accept_eof):
        mark = super()._next_mark(accept_eof)
        self._report(min(getattr(self, "_current_char_index", 0), len(self.bibstr)), self.STEP)
        return mark

    def split(self, *args, **kwargs):
        library = super().split(*args, **kwargs)
        self._report(len(self.bibstr), 1)  # the rest, however little
        return library


def parse_bibtex(text: str, source: str = "<input>", progress: Callable[..., Iterable] | None = None) -> Reading:
    """Parse BibTeX text into Citation field values, with a problem for each bad entry.
    The middlewares run block by block, not library-wide as in ``parse_string``, so that
    ``progress`` advances per entry."""
    progress = progress or (lambda items, **kwargs: items)
    # The splitter logs each bad block (to bibtexparser's loggers); the report says it better.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        # The splitter starts the text with a newline of its own.
        bar = progress([], total=len(text) + 1, desc=f"splitting {Path(source).name}", unit="char", unit_scale=True)
        library = _ProgressSplitter(text, getattr(bar, "update", lambda step: None)).split()
        getattr(bar, "close", lambda: None)()
        _check_expansion(library, len(text))
        block_stack = [
            DuplicateFieldCheck(),
            MissingCommaCheck(),  # on the raw values: before the enclosing braces go
            ResolveMacros(library),
            RemoveEnclosingMiddleware(allow_inplace_modification=True),
            NormalizeFieldKeys(allow_inplace_modification=True),
            MonthIntMiddleware(allow_inplace_modification=True),
            LatexToUnicode(),
        ]
        problems: list[Problem] = []
        entries: list[ParsedEntry] = []
        previous = None
        for block in progress(library.blocks, desc=f"reading {Path(source).name}", unit="block"):
            for middleware in block_stack:
                block = middleware.transform_block(block, library)
            _check_block(block, previous, source, entries, problems)
            previous = block
    finally:
        logger.setLevel(level)
    if not entries and not problems:
        problems.append(Problem(source, None, "", "the file holds no BibTeX entries (@article{...} and so on)."))
    return entries, problems


def _check_expansion(library, text_length: int) -> None:
    """``EntryError`` when the ``@string`` macros would expand the file too far (a large macro used
    many times would take a worker's memory), added up before anything is expanded."""
    limit = EXPANSION_FACTOR * max(text_length, 1_000_000)
    sizes: dict[str, int] = {}

    def expanded(value: str) -> int:
        return sum(sizes.get(token.strip().lower(), len(token)) for token in value.split("#"))

    total = 0
    # The macros first: an entry may use one defined after it.
    for block in [*library.strings, *library.entries]:
        if isinstance(block, String):
            sizes[block.key.lower()] = expanded(block.value)
            total += sizes[block.key.lower()]
        else:
            total += sum(expanded(field.value) for field in block.fields)
        if total > limit:
            raise EntryError(
                f"its @string macros would expand it to more than {limit // 1_000_000} MB "
                f"({EXPANSION_FACTOR} times its size); refused. Expand the macros in your reference manager "
                "and export again."
            )


def _check_block(block, previous, source: str, entries: list[ParsedEntry], problems: list[Problem]) -> None:
    line = (block.start_line or 0) + 1
    if isinstance(block, DuplicateBlockKeyBlock):
        first = (block.previous_block.start_line or 0) + 1
        problems.append(Problem(source, line, block.key, f"the key {block.key} is used twice (first on line {first})."))
    elif isinstance(block, DuplicateFieldKeyBlock):
        key = block.ignore_error_block.key
        problems.append(Problem(source, line, key, _twice(*[min(block.duplicate_keys)] * 2)))
    elif isinstance(block, ParsingFailedBlock):
        match = _ENTRY_KEY_RE.match((block.raw or "").lstrip())
        key = match.group(1) if match else ""
        problems.append(Problem(source, line, key, _failure_message(block)))
    elif isinstance(block, Entry):
        try:
            entries.append(ParsedEntry(source, line, block.key, entry_to_values(block)))
        except EntryError as exc:
            problems.append(Problem(source, line, block.key, str(exc)))
    elif isinstance(block, ImplicitComment) and isinstance(previous, Entry):
        # Text outside entries is a comment to BibTeX: a closing brace too many drops the rest.
        stray = block.comment.lstrip()
        if stray.startswith(("}", ",")):
            lost = _WHITESPACE.sub(" ", stray)[:40]
            message = (
                "unbalanced braces: the entry ends early at a closing brace with no opening one, "
                f"and the text after it ({lost!r}) would be lost."
            )
            problems.append(Problem(source, line, previous.key, message))


def _failure_message(block: ParsingFailedBlock) -> str:
    error = block.error
    if isinstance(error, InvalidNameError):
        return f"an author or editor name cannot be read: {error}"
    if isinstance(error, EntryError):
        return str(error)
    reason = getattr(error, "abort_reason", "") or str(error)
    reason = _WHITESPACE.sub(" ", reason).strip()
    return "this entry is not well-formed BibTeX, most often because of unbalanced braces or a missing comma" + (
        f" ({reason})." if reason else "."
    )


def _field(entry: Entry, *names: str) -> str:
    for name in names:
        value = entry.fields_dict.get(name)
        if value is not None and str(value.value).strip():
            return value.value if isinstance(value.value, list) else str(value.value).strip()
    return ""


def entry_to_values(entry: Entry) -> dict[str, Any]:
    title = _field(entry, "title")
    if not title:
        raise EntryError("the entry has no title.")

    authors = _field(entry, "author") or _field(entry, "editor") or []
    if isinstance(authors, str):  # a macro that the name splitter did not see
        authors = [authors]
    if truncated := authors[-1:] == ["others"]:
        authors = authors[:-1]

    raw_doi = _field(entry, "doi")
    url = _field(entry, "url")
    if not raw_doi and DOI_URL.match(url):
        raw_doi = url

    note = " ".join(str(_field(entry, name)) for name in ("note", "annote", "extra"))
    raw_pmid = _field(entry, "pmid")
    if not raw_pmid and _field(entry, "eprinttype", "archiveprefix").lower() == "pubmed":
        raw_pmid = _field(entry, "eprint")

    pubtype = _field(entry, "pubtype").lower() or PublicationType.PRIMARY.value
    if pubtype not in PublicationType.values:
        raise EntryError(f"pubtype {pubtype!r} is not one of {', '.join(PublicationType.values)}.")

    return citation_values(
        bibtex_key=entry.key,
        entry_type=_ENTRY_TYPES.get(entry.entry_type.lower(), "misc"),
        title=title,
        authors=[str(a) for a in authors],
        authors_truncated=truncated,
        journal=_field(entry, "journal", "journaltitle", "booktitle", "school", "institution"),
        year=_field(entry, "year") or _field(entry, "date")[:4],
        volume=_field(entry, "volume"),
        issue=_field(entry, "number", "issue"),
        pages=re.sub(r"\s*(?:--+|–|—)\s*", "-", _field(entry, "pages")),
        publisher=_field(entry, "publisher"),
        doi=raw_doi,
        pmid=or_in_text(raw_pmid, PMID_IN_TEXT, note),
        pmcid=or_in_text(_field(entry, "pmcid"), PMCID_IN_TEXT, note),
        url=url,
        abstract=_field(entry, "abstract"),
        publication_type=pubtype,
        retracted=_field(entry, "retracted").lower() in {"yes", "true", "1"},
        retraction_note=_field(entry, "retractionnote"),
    )


def import_bibtex(sources: Iterable[tuple[str, bytes]], *, reason: str = BIBTEX_REASON, **options) -> ImportReport:
    return import_files(sources, parse_bibtex, reason=reason, **options)


def count(text: str) -> int:
    return len(_ENTRY_START.findall(text))


def looks_like(text: str) -> bool:
    return count(text) > 0


read = parse_bibtex
