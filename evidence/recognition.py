"""Mentions of known drugs, cargos, cells, mechanisms and therapy classes in free text.

Dictionary matching over every name and alias, with one Aho-Corasick automaton (pyahocorasick).
Names and text are normalised alike (``Folded``, then ``squeeze``): case, accents, punctuation,
dashes and spacing are ignored, Greek letters are spelled out ("TGF-β1" is "TGF-beta1").
``start`` and ``end`` index the text as given. A match is a real mention when:

- it starts and ends at word edges ("miR-21" is not inside "miR-210", "ER" not inside "other");
- a dash, slash or dot may break a name anywhere ("UCH-L1" is UCHL1), a space only where some
  spelling of the name has a break or between letters and digits ("P gp", "MCF 7"; not "a DM");
- it is the longest ("MCF7/ADR" is the resistant line, not MCF-7 and ADR);
- an abbreviation written only in capitals (DOC, EPI, ER) is not written in lower case: "doc"
  and "epi" are English words far more often than drugs.

A description of a drug-resistant line ("docetaxel-resistant MCF-7 cells") proposes the line,
as an extra mention marked ``"inferred": "resistance description"``.
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
#: What may separate the parts of one name in text: a little spacing or punctuation, never a clause break.
_MAX_GAP = 3
_CLAUSE_BREAK = re.compile(r"[,;]")
#: A gap of these alone keeps the parts of a word together, wherever it falls.
_TIGHT_GAP = re.compile(r"[-/.]+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """The ASCII a non-ASCII character stands for: lower-case letters and digits ("β" is "beta",
    "ﬁ" is "fi"), a hyphen for a dash, a space for other separators, nothing for a joining mark."""
    category = unicodedata.category(ch)
    if unicodedata.combining(ch) or category == "Cf":
        return ""
    if category == "Pd" or ch == "\u2212":  # dashes and the minus sign
        return "-"
    parts = unicodedata.normalize("NFKC", ch).casefold()
    return "".join(spelled_greek(part) or _SEPARATORS.sub("", plain(part)) for part in parts) or " "


class Folded:
    """``text`` lower-cased, each non-ASCII character replaced by its ASCII (``_fold_char``),
    and the original index of each folded character."""

    __slots__ = ("text", "_at")

    def __init__(self, text: str) -> None:
        if text.isascii():
            self.text, self._at = text.lower(), range(len(text))
            return
        parts, at, last = [], [], 0
        for match in _NON_ASCII.finditer(text):
            index, replacement = match.start(), _fold_char(match.group())
            parts += [text[last:index], replacement]
            at += range(last, index)
            at += [index] * len(replacement)
            last = index + 1
        parts.append(text[last:])
        at += range(last, len(text))
        # Only ASCII is left, whose lower case has the same length.
        self.text, self._at = "".join(parts).lower(), at

    def original(self, index: int) -> int:
        """The original index of the folded character at ``index``."""
        return self._at[index]


def squeeze(folded: str) -> tuple[str, list[int], list[int]]:
    """``(stream, starts, folded_starts)``: the letters and digits of a folded text run together,
    word ``k`` beginning at ``starts[k]`` in the stream and at ``folded_starts[k]`` in the text."""
    matches = list(_WORD.finditer(folded))
    words = [match.group() for match in matches]
    starts = list(accumulate(map(len, words), initial=0))[:-1]
    return "".join(words), starts, [match.start() for match in matches]


def name_key(name: str) -> tuple[str, frozenset[int]]:
    """The key a name is matched by, and where a space may break it: where this spelling
    has a break, and between letters and digits."""
    stream, starts, _ = squeeze(Folded(name).text)
    breaks = set(starts[1:])
    breaks.update(i for i in range(1, len(stream)) if stream[i - 1].isdigit() != stream[i].isdigit())
    return stream, frozenset(breaks)


def is_abbreviation(name: str) -> bool:
    """A short name of letters written in capitals (DOC, EPI, ER, CAFs)."""
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
    #: The cells it names, and the drugs it names that some resistant line resists.
    cells: list[Entity] = field(default_factory=list)
    resisted: list[Entity] = field(default_factory=list)


def mirna_names(name: str) -> list[str]:
    """How papers write a human miRNA: "hsa-miR-155-5p" is also miR-155(-5p), microRNA-155 and miRNA-155."""
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
    """Every entity (only what public pages show when ``public``) with all its names."""
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.db.models import Q

    from evidence.models import Cargo, Cell, Drug, Mechanism, TherapyClass

    def scoped(model):
        return model.objects.public() if public else model.objects.all()

    def named(model, *fields):
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
        """The drugs (slugs) each drug-resistant line resists, read from its names ("MCF-7/ADR",
        "adriamycin-resistant MCF-7"): ExoResist records no drug for a cell."""
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
        """The mentions in ``text``, in order: one dict per entity named (``Entity.mention``); an
        inferred one also has ``inferred`` and may overlap the mentions within it."""
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
        """The original (start, end) of the stream's ``[first, end)`` (at word edges), or None
        when a gap breaks it where no spelling of the name is."""
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
        """The drug-resistant lines ``text`` describes without naming them ("<drug>-resistant
        [<line>] [breast cancer] cells", "[<line>] [breast cancer] cells resistant to <drug>"), one
        inferred mention each. A line is proposed only when it is the one line resistant to the
        drug and derived from the line named (or, with none named, of the breast cancer subtype
        said): a guess would fill a draft with a line a curator must notice is wrong."""
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

#: What an inferred mention's ``inferred`` says: a line proposed from a description, not a name.
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


#: A description's (start, end), the cells of the line it names (None for none) and the subtype said ("" for any).
_Description = tuple[int, int, list[Entity] | None, str]


def _any_in(positions: list[int], low: int, high: int) -> bool:
    """Whether any of the sorted ``positions`` lies in [low, high]."""
    at = bisect_left(positions, low)
    return at < len(positions) and positions[at] <= high


def _breast_subtype(code: str) -> str:
    """``code`` if it is a breast cancer subtype, else "": a known subtype marks a breast cancer line."""
    return code if code in Subtype.values and code not in (Subtype.UNSPECIFIED, Subtype.NOT_APPLICABLE) else ""


_SPACE_OR_DASH = re.compile(r"[\s-]")
#: A subtype as ``_BREAST`` captures it, without spaces or dashes, to its code.
_SUBTYPE_SAID = {_SPACE_OR_DASH.sub("", name): code for name, code in controlled_names(Subtype.choices).items()}


def _subtype_said(match: re.Match) -> str:
    """The subtype a breast cancer phrase (``_BREAST``) narrows to, or "" for any."""
    said = match.group("subtype") or match.group("tnbc")
    return _SUBTYPE_SAID[_SPACE_OR_DASH.sub("", said.lower())] if said else ""


def _described_after(text: str, drug_start: int, drug_end: int, cells_from: dict) -> _Description | None:
    """The cells "<drug>-resistant [<line>] [breast cancer] cells" describes, or None.
    ``cells_from`` maps where a cell name starts to (its end, its cells)."""
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
    """The cells "[<line>] [breast cancer] cells [that are] resistant to <drug>" describes, or None,
    also when a verb makes them so. ``cells_to`` maps where a cell name ends to (its start, its cells)."""
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
    """The ``(start, end, ...)`` candidates that do not overlap, longest then leftmost first, in text order."""
    taken = bytearray(max(candidate[1] for candidate in found))
    kept = []
    for candidate in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        start, end = candidate[0], candidate[1]
        if not any(taken[start:end]):
            taken[start:end] = b"\x01" * (end - start)
            kept.append(candidate)
    return sorted(kept, key=itemgetter(0))


# --- One automaton per data version -------------------------------------------


def recogniser(public: bool = True) -> Recogniser:
    """The recogniser over the database's names, built once per data version (a change of names bumps it)."""
    from exoresist.data_version import remembered

    return remembered(("recogniser", public), lambda: Recogniser(dictionary(public)))


def recognise(text: str, public: bool = True) -> list[dict]:
    """The mentions of known entities in ``text`` (see ``Recogniser.mentions``)."""
    return recogniser(public).mentions(text)
