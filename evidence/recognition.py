"""Mentions of known drugs, cargos, cells, mechanisms and therapy classes in free text.

Dictionary matching over every name and alias the database holds, with one Aho-Corasick
automaton (pyahocorasick), whose scan time does not grow with the number of names.

Names and text are normalised the same way (``Folded``, then ``squeeze``): case, accents,
punctuation, dashes and spacing are ignored and Greek letters are spelled out ("TGF-β1" is
"TGF-beta1"). ``start`` and ``end`` index the text as given (Unicode code points).

Three rules keep a match a real mention:

- word boundaries: a name starts and ends at the edges of words ("miR-21" is not inside
  "miR-210", "ER" not inside "other");
- a dash, slash or dot may break a name anywhere ("UCH-L1" is UCHL1), but a space only
  where some spelling of the name has a break, or between letters and digits ("P gp" for
  P-gp, "MCF 7"; not "a DM" for ADM);
- the longest mention wins ("MCF7/ADR" is the resistant line, not MCF-7 and ADR).

An abbreviation written only in capitals (DOC, EPI, ER, DC) is not recognised in lower
case: "doc" and "epi" are English words and word parts far more often than drugs.

Papers describe a drug-resistant line as often as they name it ("docetaxel-resistant MCF-7
cells"): such a description proposes the line, as an extra mention marked ``"inferred":
"resistance description"`` (``_resistance_descriptions``).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter

import ahocorasick

from evidence.choices import CargoKind, Subtype, controlled_names, plain
from evidence.identifiers import parse_mirna, spelled_greek

#: The most text recognised at once (characters): a long article is split by the caller.
MAX_TEXT_LENGTH = 100_000

#: The kinds of what is recognised, in the order a list of mentions gives them on a tie.
KINDS = ("drug", "cargo", "cell", "mechanism", "therapy_class")

# --- Normalisation -----------------------------------------------------------

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"[0-9a-z]+")
_SEPARATORS = re.compile(r"[^0-9a-z]+")
#: What may separate the parts of one name in text: a little spacing or punctuation, never a
#: clause break.
_MAX_GAP = 3
_CLAUSE_BREAK = re.compile(r"[,;]")
#: A gap of these alone keeps the parts of a word together, wherever it falls.
_TIGHT_GAP = re.compile(r"[-/.]+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """The ASCII a non-ASCII character stands for: lower-case letters and digits ("β" is
    "beta", "é" is "e", "ﬁ" is "fi"), a hyphen for any dash, a space for other separators
    (no-break spaces, other punctuation), or nothing for a mark that joins (combining
    accents, soft hyphens, zero-width characters)."""
    category = unicodedata.category(ch)
    if unicodedata.combining(ch) or category == "Cf":
        return ""
    if category == "Pd" or ch == "\u2212":  # dashes and the minus sign
        return "-"
    out = []
    for part in unicodedata.normalize("NFKC", ch).casefold():
        out.append(spelled_greek(part) or _SEPARATORS.sub("", plain(part)))
    return "".join(out) or " "


class Folded:
    """``text`` with every non-ASCII character replaced by its ASCII (``_fold_char``) and
    lower-cased, and the way back from a folded index to the original one."""

    __slots__ = ("text", "_folded_at", "_original_at", "_length")

    def __init__(self, text: str) -> None:
        # Each replaced character: where its replacement starts in the folded text, where it
        # was in the original, and the replacement's length.
        self._folded_at: list[int] = []
        self._original_at: list[int] = []
        self._length: list[int] = []
        if text.isascii():
            self.text = text.lower()
            return
        parts, last, shift = [], 0, 0
        for match in _NON_ASCII.finditer(text):
            at = match.start()
            replacement = _fold_char(match.group())
            parts.append(text[last:at])
            parts.append(replacement)
            self._folded_at.append(at + shift)
            self._original_at.append(at)
            self._length.append(len(replacement))
            shift += len(replacement) - 1
            last = at + 1
        parts.append(text[last:])
        # Only ASCII is left, whose lower case has the same length.
        self.text = "".join(parts).lower()

    def original(self, index: int) -> int:
        """The original index of the folded character at ``index``."""
        k = bisect_right(self._folded_at, index) - 1
        if k < 0:
            return index
        start, length = self._folded_at[k], self._length[k]
        if index < start + length:
            return self._original_at[k]
        return self._original_at[k] + 1 + index - (start + length)


def squeeze(folded: str) -> tuple[str, list[int], list[int]]:
    """The letters and digits of a folded text run together, with the word each starts:
    ``(stream, starts, folded_starts)`` where word ``k`` begins at ``starts[k]`` in the stream
    and at ``folded_starts[k]`` in the folded text."""
    matches = list(_WORD.finditer(folded))
    words = [match.group() for match in matches]
    starts = list(accumulate(map(len, words), initial=0))[:-1]
    return "".join(words), starts, [match.start() for match in matches]


def name_key(name: str) -> tuple[str, frozenset[int]]:
    """The key a name is matched by, and the positions in it where the name may be broken
    by a space: where this spelling has a break, and between letters and digits."""
    stream, starts, _ = squeeze(Folded(name).text)
    breaks = set(starts[1:])
    breaks.update(i for i in range(1, len(stream)) if stream[i - 1].isdigit() != stream[i].isdigit())
    return stream, frozenset(breaks)


def is_abbreviation(name: str) -> bool:
    """A short name of letters written in capitals (DOC, EPI, ER, CAFs): not recognised in
    lower-case text."""
    letters = "".join(ch for ch in name if ch.isalnum())
    return letters.isalpha() and len(letters) <= 5 and sum(ch.isupper() for ch in letters) >= 2


# --- The dictionary ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    kind: str
    slug: str
    name: str
    #: A cell's parental line (its slug): set for a drug-resistant derivative.
    parent: str = ""
    #: A cell's breast cancer subtype (a ``Subtype`` code).
    subtype: str = ""

    def mention(self, text: str, start: int, end: int, **how) -> dict:
        return dict(kind=self.kind, slug=self.slug, name=self.name, text=text[start:end], start=start, end=end, **how)


@dataclass(slots=True)
class _Key:
    entities: list[Entity]
    breaks: frozenset[int]
    #: Every spelling with this key is a capitalised abbreviation.
    abbreviation: bool
    #: The cells it names, and the drugs it names that some resistant line resists (for
    #: ``Recogniser._resistance_descriptions``).
    cells: list[Entity] = field(default_factory=list)
    resisted: list[Entity] = field(default_factory=list)


def mirna_names(name: str) -> list[str]:
    """The ways papers write a human miRNA: "hsa-miR-155-5p" is also miR-155-5p, miR-155,
    microRNA-155 and miRNA-155 (and the same with the arm)."""
    parsed = parse_mirna(name)
    if parsed is None:
        return []
    core, arm = parsed
    family, number = core.split("-", 1)
    families = ["miR", "microRNA", "miRNA", "hsa-miR"] if family == "mir" else [family, f"hsa-{family}"]
    names = []
    for spelled in families:
        names.append(f"{spelled}-{number}")
        if arm and arm != "*":
            names.append(f"{spelled}-{number}-{arm}")
    return names


def dictionary(public: bool = True) -> list[tuple[Entity, list[str]]]:
    """Every entity with all its names, read from the database: only what public pages show
    when ``public``, every entity otherwise."""
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.db.models import Q

    from evidence.models import Cargo, Cell, Drug, Mechanism, TherapyClass

    def scoped(model):
        return model.objects.public() if public else model.objects.all()

    def named(model, *fields):
        """``fields`` of every entity, then the names of its aliases."""
        aliases = ArrayAgg("aliases__name", filter=Q(aliases__isnull=False), default=[])
        return scoped(model).annotate(alias_names=aliases).values_list(*fields, "alias_names")

    entries: list[tuple[Entity, list[str]]] = []
    for slug, name, aliases in named(Drug, "slug", "name"):
        entries.append((Entity("drug", slug, name), [name, *aliases]))
    for slug, symbol, full_name, kind, aliases in named(Cargo, "slug", "symbol", "name", "kind"):
        names = [symbol, full_name, *aliases]
        if kind == CargoKind.MIRNA:
            names += [variant for spelled in list(names) for variant in mirna_names(spelled)]
        entries.append((Entity("cargo", slug, symbol), names))
    for slug, name, parent, subtype, aliases in named(Cell, "slug", "name", "parent__slug", "subtype"):
        names = [name, *aliases]
        # Cells are named in the plural as often as not: "CAFs", "MSCs", "dendritic cells".
        names += [f"{spelled}s" for spelled in names if spelled[-1:].isalpha() and spelled[-1:] not in "sS"]
        entries.append((Entity("cell", slug, name, parent or "", subtype), names))
    for slug, name, synonyms in scoped(Mechanism).values_list("slug", "name", "synonyms"):
        entries.append((Entity("mechanism", slug, name), [name, *synonyms]))
    for slug, name in scoped(TherapyClass).values_list("slug", "name"):
        entries.append((Entity("therapy_class", slug, name), [name]))
    return entries


# --- Recognition ------------------------------------------------------------


class Recogniser:
    """An automaton over a fixed dictionary; ``mentions(text)`` finds what it names."""

    def __init__(self, entries: list[tuple[Entity, list[str]]]) -> None:
        keys: dict[str, _Key] = {}
        for entity, names in entries:
            for name in filter(None, names):
                key, breaks = name_key(name)
                if not key:
                    continue
                found = keys.setdefault(key, _Key([], frozenset(), abbreviation=True))
                if entity not in found.entities:
                    found.entities.append(entity)
                found.breaks |= breaks
                found.abbreviation = found.abbreviation and is_abbreviation(name)
        self.size = len(keys)
        self.automaton = ahocorasick.Automaton()
        for key, value in keys.items():
            value.entities.sort(key=lambda e: (KINDS.index(e.kind), e.slug))
            self.automaton.add_word(key, (len(key), value))
        if keys:
            self.automaton.make_automaton()
        resistance = self._resistance(entries)
        #: The drugs (slugs) each drug-resistant line (slug) is resistant to, as far as its names tell.
        self.resistance = {line.slug: drugs for line, drugs in resistance.items()}
        self._lines_by_drug: dict[str, list[Entity]] = {}
        for line, drugs in resistance.items():
            for drug in drugs:
                self._lines_by_drug.setdefault(drug, []).append(line)
        for value in keys.values():
            value.cells = [entity for entity in value.entities if entity.kind == "cell"]
            value.resisted = [e for e in value.entities if e.kind == "drug" and e.slug in self._lines_by_drug]

    def _resistance(self, entries) -> dict[Entity, frozenset[str]]:
        """The drugs (slugs) each drug-resistant line is resistant to, read from its names:
        ExoResist records no drug for a cell, and a derivative's name carries the drug by
        convention ("MCF-7/ADR", "MCF-7/DOC", "adriamycin-resistant MCF-7"). A derivative
        whose names name no drug (VLB100, MCF-7/TamR alone) is left out."""
        subtypes = {entity.slug: entity.subtype for entity, _ in entries if entity.kind == "cell"}
        found = {}
        for entity, names in entries:
            if entity.kind != "cell" or not entity.parent:
                continue
            drugs = frozenset(
                drug.slug
                for name in names
                for _start, _end, key in self._candidates(name)
                for drug in key.entities
                if drug.kind == "drug"
            )
            if drugs:
                # A derivative without a subtype of its own has its parent's.
                subtype = _breast_subtype(entity.subtype) or _breast_subtype(subtypes.get(entity.parent, ""))
                found[replace(entity, subtype=subtype)] = drugs
        return found

    def mentions(self, text: str) -> list[dict]:
        """The mentions in ``text``, in order: one dict per entity a mention names, with its
        ``kind``, ``slug``, ``name``, the ``text`` as written and its ``start`` and ``end``;
        a mention inferred from a description also has ``inferred`` (how), and may overlap
        the mentions within it."""
        found = self._candidates(text)
        if not found:
            return []
        mentions = [
            entity.mention(text, start, end) for start, end, key in _longest_first(found) for entity in key.entities
        ]
        if self._lines_by_drug:
            inferred = self._resistance_descriptions(text, found, mentions)
            if inferred:
                # A stable sort: at one start, the mentions named keep their place before the inferred.
                mentions = sorted([*mentions, *inferred], key=itemgetter("start"))
        return mentions

    def _candidates(self, text: str) -> list[tuple[int, int, _Key]]:
        """Every (start, end, key) a name matches in ``text``, overlapping ones included."""
        if not text or not self.size:
            return []
        folded = Folded(text)
        stream, starts, folded_starts = squeeze(folded.text)
        if not stream:
            return []
        found = []
        edges = {*starts, len(stream)}  # where words start, and the end: a match begins and ends at one
        for last, (length, key) in self.automaton.iter(stream):
            first = last - length + 1
            if first not in edges or last + 1 not in edges:
                continue
            span = self._span(folded, starts, folded_starts, first, last + 1, key)
            if span is not None and not (key.abbreviation and text[span[0] : span[1]].islower()):
                found.append((*span, key))
        return found

    @staticmethod
    def _span(folded: Folded, starts, folded_starts, first, end, key) -> tuple[int, int] | None:
        """The original (start, end) of the stream's ``[first, end)`` (which starts and ends
        at word edges), or None when a gap breaks it where no spelling of the name is."""
        word = bisect_right(starts, first) - 1
        last_word = bisect_right(starts, end - 1) - 1
        for k in range(word + 1, last_word + 1):
            gap_start = folded_starts[k - 1] + starts[k] - starts[k - 1]
            gap = folded.text[gap_start : folded_starts[k]]
            if len(gap) > _MAX_GAP or _CLAUSE_BREAK.search(gap):
                return None
            if starts[k] - first not in key.breaks and not _TIGHT_GAP.fullmatch(gap):
                return None
        start = folded.original(folded_starts[word])
        last = folded.original(folded_starts[last_word] + end - 1 - starts[last_word])
        return start, last + 1

    def _resistance_descriptions(self, text: str, found: list[tuple], mentions: list[dict]) -> list[dict]:
        """The drug-resistant lines ``text`` describes without naming them, one inferred
        mention each, spanning the description:

        - "<drug>-resistant [<line>] [breast cancer] cells" (also "<drug> resistant", "and
          parental" or "versus sensitive" before the cells, "cell line" or "subline" for cells);
        - "[<line>] [breast cancer] cells [that are] resistant to <drug>", unless a verb makes
          them so ("made breast cancer cells resistant to docetaxel" is the parent, changed).

        The lines proposed are those resistant to the drug (``resistance``) and derived from the
        line named, or, when none is named, those of breast cancer ("TNBC", "HER2-positive" or
        "luminal" narrow the subtype); "cells" alone says neither, and proposes nothing. A line
        is proposed only when exactly one fits: a description that fits several does not say
        which, and a guess would fill a draft with a line a curator must notice is wrong."""
        # Most texts describe no line: first the drugs some line resists, next to a "resistant".
        drugs = [(start, end, key.resisted) for start, end, key in found if key.resisted]
        if not drugs:
            return []
        spots = [match.start() for match in _RESISTANT.finditer(text)]
        drugs = [
            (start, end, named)
            for start, end, named in drugs
            if _any_in(spots, end, end + 3) or _any_in(spots, start - _LOOKBACK, start - len("resistant to "))
        ]
        if not drugs:
            return []
        cells_from, cells_to = {}, {}
        for start, end, key in found:
            if cells := key.cells:
                if cells_from.get(start, (-1,))[0] < end:  # the longest cell name starting here
                    cells_from[start] = (end, cells)
                if cells_to.get(end, (end + 1,))[0] > start:  # and ending here
                    cells_to[end] = (start, cells)
        inferred = {}
        for drug_start, drug_end, named in drugs:
            described = _described_after(text, drug_start, drug_end, cells_from) or _described_before(
                text, drug_start, drug_end, cells_to
            )
            if described is None:
                continue
            start, end, lineage, subtype = described
            lines = {line for drug in named for line in self._lines_by_drug.get(drug.slug, ())}
            if lineage is not None:
                parents = {cell.slug for cell in lineage}
                lines = {line for line in lines if line.parent in parents}
            else:
                lines = {line for line in lines if line.subtype and subtype in ("", line.subtype)}
            if len(lines) != 1:
                continue
            (line,) = lines
            if any(m["kind"] == "cell" and m["slug"] == line.slug and start <= m["start"] < end for m in mentions):
                continue  # the description holds one of the line's names: found already
            inferred[(line.slug, start, end)] = line.mention(text, start, end, inferred=RESISTANCE_DESCRIPTION)
        return list(inferred.values())


# --- Resistance descriptions -------------------------------------------------

#: What an inferred mention's ``inferred`` says: a drug-resistant line proposed from a
#: description of it ("adriamycin-resistant breast cancer cells"), not from one of its names.
RESISTANCE_DESCRIPTION = "resistance description"

_RESISTANT = re.compile("resistant", re.IGNORECASE)
_DASH = "[-\u2010-\u2015\u2212]"
#: What may follow a drug to describe cells: "-resistant", " resistant".
_RESISTANT_AFTER_DRUG = re.compile(rf"\s?{_DASH}?\s?resistant\b", re.IGNORECASE)
#: What the resistant cells may be compared with before they are named: "and parental", "versus sensitive".
_COMPARED = re.compile(
    rf"\s+(?:and|or|versus|vs\.?)\s+(?:(?:the|their)\s+)?(?:parental|parent|{_DASH}?sensitive|drug{_DASH}?sensitive)\b",
    re.IGNORECASE,
)
#: Breast cancer, and the subtypes a text may narrow it to (group ``subtype``, or ``tnbc``).
_BREAST = (
    r"(?:(?:human\s+)?(?:(?P<subtype>triple[-\s]?negative|HER2[-\s]?(?:positive|\+)|ER[-\s]?(?:positive|\+)|luminal)\s+)?"
    r"(?:breast\s+(?:cancer|carcinoma|tumou?r)|mammary\s+(?:cancer|carcinoma|tumou?r)|(?-i:BC))"
    r"|(?-i:(?P<tnbc>TNBC)))\b"
)
_CELLS = r"(?:cell\s+lines?|cells?|sublines?|lines?)\b"
_BREAST_AFTER = re.compile(rf"\s+{_BREAST}", re.IGNORECASE)
_CELLS_AFTER = re.compile(rf"\s+{_CELLS}", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
#: What may come before a drug to describe cells: "[breast cancer] cells [that are] resistant to [the] ".
_CELLS_RESISTANT_TO = re.compile(
    rf"\b(?:(?P<breast>{_BREAST})\s+)?{_CELLS}(?:\s+(?:that|which)\s+(?:are|were))?\s+resistant\s+to\s+(?:the\s+)?$",
    re.IGNORECASE,
)
#: How far before a drug "cells resistant to" is looked for (characters).
_LOOKBACK = 120
#: A verb that makes cells resistant: what follows it is not a resistant line.
_CAUSATIVE = re.compile(
    r"\b(?:make|makes|made|making|render|renders|rendered|rendering|turn|turns|turned|turning)\s+"
    r"(?:(?:the|these|those|its|their)\s+)?$",
    re.IGNORECASE,
)


#: Where cells described as resistant are (start, end), the cells of the line named as their
#: origin (None for none), and the breast cancer subtype said ("" for any).
_Description = tuple[int, int, list[Entity] | None, str]


def _any_in(positions: list[int], low: int, high: int) -> bool:
    """Whether any of the sorted ``positions`` lies in [low, high]."""
    at = bisect_left(positions, low)
    return at < len(positions) and positions[at] <= high


def _breast_subtype(code: str) -> str:
    """``code`` if it is a breast cancer subtype, else "": ExoResist records no cancer type for a
    cell, and a known subtype is what marks a breast cancer line."""
    return code if code in Subtype.values and code not in (Subtype.UNSPECIFIED, Subtype.NOT_APPLICABLE) else ""


_SPACE_OR_DASH = re.compile(r"[\s-]")
#: A subtype as ``_BREAST`` captures it, without spaces or dashes ("HER2positive" is written
#: too), to its code.
_SUBTYPE_SAID = {_SPACE_OR_DASH.sub("", name): code for name, code in controlled_names(Subtype.choices).items()}


def _subtype_said(match: re.Match) -> str:
    """The subtype a breast cancer phrase (``_BREAST``) narrows to, or "" for any."""
    said = match.group("subtype") or match.group("tnbc")
    return _SUBTYPE_SAID[_SPACE_OR_DASH.sub("", said.lower())] if said else ""


def _described_after(text: str, drug_start: int, drug_end: int, cells_from: dict) -> _Description | None:
    """The cells "-resistant ..." right after a drug describes ("<drug>-resistant [<line>]
    [breast cancer] cells"), or None. ``cells_from`` maps where a cell name starts to (its end,
    its cells)."""
    match = _RESISTANT_AFTER_DRUG.match(text, drug_end)
    if match is None:
        return None
    at = match.end()
    if compared := _COMPARED.match(text, at):
        at = compared.end()
    lineage, subtype, breast = None, "", False
    for _ in range(2):  # "breast cancer MCF-7 cells" or "MCF-7 breast cancer cells"
        if not breast and (said := _BREAST_AFTER.match(text, at)):
            at, subtype, breast = said.end(), _subtype_said(said), True
        space = _SPACE.match(text, at)
        if lineage is None and space is not None and space.end() in cells_from:
            at, lineage = cells_from[space.end()]
    cells = _CELLS_AFTER.match(text, at)
    if cells is not None:
        at = cells.end()
    if lineage is None and not (breast and cells):
        return None
    return drug_start, at, lineage, subtype


def _described_before(text: str, drug_start: int, drug_end: int, cells_to: dict) -> _Description | None:
    """The cells "... cells resistant to" right before a drug describes ("[<line>] [breast
    cancer] cells [that are] resistant to <drug>"), or None, also when a verb makes them
    resistant. ``cells_to`` maps where a cell name ends to (its start, its cells)."""
    match = _CELLS_RESISTANT_TO.search(text, max(0, drug_start - _LOOKBACK), drug_start)
    if match is None:
        return None
    start = match.start()
    breast = match.group("breast") is not None
    subtype = _subtype_said(match)
    before = len(text[:start].rstrip())
    lineage = None
    if before < start and before in cells_to:
        start, lineage = cells_to[before]
    if lineage is None and not breast:
        return None
    if _CAUSATIVE.search(text, max(0, start - 30), start):
        return None
    return start, drug_end, lineage, subtype


def _longest_first(found: list[tuple]) -> list[tuple]:
    """``(start, end, ...)`` candidates that do not overlap, longer (in original characters)
    before shorter, then leftmost; returned in text order."""
    starts: list[int] = []
    taken: list[tuple] = []
    for candidate in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        start, end = candidate[0], candidate[1]
        at = bisect_right(starts, start)
        if at and taken[at - 1][1] > start:
            continue  # overlaps the one before
        if at < len(taken) and taken[at][0] < end:
            continue  # overlaps the one after
        starts.insert(at, start)
        taken.insert(at, candidate)
    return taken


# --- One automaton per data version -------------------------------------------


def recogniser(public: bool = True) -> Recogniser:
    """The recogniser over the database's names (public ones only when ``public``), built
    once per data version: any change to a drug, cargo, cell, alias or vocabulary term bumps
    the version (exoresist/data_version.py), and the next call builds it anew."""
    from exoresist.data_version import remembered

    return remembered(("recogniser", public), lambda: Recogniser(dictionary(public)))


def recognise(text: str, public: bool = True) -> list[dict]:
    """The mentions of known entities in ``text`` (see ``Recogniser.mentions``)."""
    return recogniser(public).mentions(text)
