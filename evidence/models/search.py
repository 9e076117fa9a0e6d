"""Full-text search of evidence: what ``q`` means on the API, the evidence list and the site search.

The document (``EvidenceSearch.document``, a weighted ``tsvector`` per item) is written by
PostgreSQL (migration 0013); this module turns what a researcher types into a ``tsquery``.
The syntax (in full: README, API, ``q``)::

    trastuzumab miR-567      every word, in any order
    "exosomal miR-155"       a phrase: these words, next to each other, in this order
    doxorubicin -lymphoma    without the word
    tamoxifen or fulvestrant either
    Santos 2018, Han et al.  a paper by author and year ("et al." is ignored)
    Chen 2018a               the paper the site labels "Chen et al. (2018a)"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchVectorField, TrigramSimilarity
from django.db import connection, models
from django.db.models import CharField, F, FloatField, Func, Lookup, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Lower
from django.utils.html import escape
from django.utils.safestring import mark_safe

from evidence.choices import plain
from evidence.identifiers import GREEK_SPELLED, lookup_keys
from evidence.models.base import names_find
from evidence.models.citation import lettered

#: What separates words: ASCII punctuation and controls, the General Punctuation block, the
#: minus sign; as ``exoresist_search_words()`` in migration 0013.
SEPARATORS = r"\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u00a0\u2000-\u206f\u2212"
_SEPARATOR_RE = re.compile(f"[{SEPARATORS}]+")
_PARTS_RE = re.compile(f"([{SEPARATORS}]+)")
MAX_TERMS = 32  # words or phrases: a longer query is a paste, not a search
KEYED_TERMS = 4  # words or phrases that also match as a name's lookup key
_TOKEN_RE = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')
_STEM, _WORDS = "'exoresist_stem'::regconfig", "'exoresist_words'::regconfig"


class EvidenceSearch(models.Model):
    evidence = models.OneToOneField(
        "evidence.Evidence", primary_key=True, on_delete=models.DO_NOTHING, related_name="search_document"
    )
    document = SearchVectorField()

    class Meta:
        # Created by migration 0013's SQL; managed so that a flush truncates it too.
        db_table = "evidence_search"

    def __str__(self) -> str:
        return f"search document of evidence {self.evidence_id}"


def search_words(value: str) -> list[str]:
    """The words of ``value``, lower-cased, cut as the document's words are."""
    return [word for word in _SEPARATOR_RE.split(value.lower()) if word]


@dataclass(frozen=True)
class Term:
    text: str
    words: tuple[str, ...]
    negated: bool = False
    quoted: bool = False


def parse(value: str) -> list[list[Term]]:
    """``value`` as AND-ed groups of OR-ed terms, without words of no letter or digit nor "et al."."""
    # (text, negated, quoted) of each word or phrase; a lone "-" is a word.
    tokens = [(word or phrase, bool(negation), not word) for negation, phrase, word in _TOKEN_RE.findall(value)]
    groups: list[list[Term]] = []
    join_next = False
    for index, (text, negated, quoted) in enumerate(tokens):
        lowered = text.lower()
        if not quoted and not negated and lowered == "or" and groups:
            join_next = True
            continue
        if not quoted and lowered in ("al", "al.") and index and tokens[index - 1][0].lower() == "et":
            continue
        if not quoted and lowered == "et" and index + 1 < len(tokens) and tokens[index + 1][0].lower() in ("al", "al."):
            continue
        words = tuple(search_words(text))
        if not words:
            continue
        term = Term(text, words, negated, quoted)
        if join_next and not negated:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
        if len(groups) >= MAX_TERMS:
            break
    return groups


def _needs_keys(term: Term) -> tuple[str, ...]:
    """The key lexemes that find the entities called ``term`` when its words alone do not
    ("mcf7" for MCF-7); none when every such name holds the words ("miR-155"): the planner
    would add both frequencies and overestimate the matches."""
    from evidence.models import Cargo, CargoAlias, Cell, CellAlias, Drug, DrugAlias

    key, base = lookup_keys(term.text)
    if not key:
        return ()
    own, aliases = names_find(term.text)
    named = [(Cargo, "symbol", own), (Drug, "name", own), (Cell, "name", own)]
    named += [(model, "name", aliases) for model in (DrugAlias, CargoAlias, CellAlias)]
    first, *rest = (model.objects.filter(rule).values_list(field).order_by() for model, field, rule in named)
    names = first.union(*rest, all=True)
    if all(_holds(search_words(name), term.words) for (name,) in names):
        return ()
    # The document holds k=<key> of each own name and of each alias whose key is not its base,
    # and b=<base> of every name: k=<base> then finds an arm-less record, never an arm-less alias.
    return (f"k={key}", f"b={key}") + ((f"k={base}",) if base != key else ())


def _holds(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class TextQuery:
    """A parsed ``q`` as one SQL ``tsquery`` expression with its parameters."""

    sql: str
    params: tuple

    @classmethod
    def of(cls, value: str) -> TextQuery | None:
        groups = parse(value)
        if not any(not term.negated for group in groups for term in group):
            return None
        last = groups[-1][-1]
        stop = _stop_words({word for group in groups for term in group if len(term.words) > 1 for word in term.words})
        parts, params = [], []
        for index, group in enumerate(groups):
            alternatives = []
            for term in group:
                prefix = term is last and _typed_prefix(term)
                # A stop word at an end of a phrase ("her" of "HER-2") is dropped when stemmed, and
                # the rest ("2") would match on its own: such a phrase is read as written.
                config = _WORDS if stop & {term.words[0], term.words[-1]} else _STEM
                # Keys and lettered years ("2018a") for the first few terms only: each costs a query.
                sql, term_params = _term_sql(term, prefix=prefix, keys=index < KEYED_TERMS, config=config)
                alternatives.append(sql)
                params.extend(term_params)
            joined = " || ".join(alternatives)
            parts.append(f"!!({joined})" if group[0].negated else f"({joined})")
        return cls(" && ".join(parts), tuple(params))

    def expression(self) -> RawSQL:
        return RawSQL(self.sql, self.params, output_field=models.TextField())


def _stop_words(words: set[str]) -> set[str]:
    """Those of ``words`` the stemmed configuration drops (English stop words)."""
    if not words:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT w FROM unnest(%s::text[]) w WHERE to_tsvector({_STEM}, w) = ''", [sorted(words)])
        return {word for (word,) in cursor.fetchall()}


#: A Greek letter by its spelled name ("beta": "β"), and such a word with digits ("beta1").
_GREEK_LETTERS = {spelled: chr(cp) for cp, spelled in GREEK_SPELLED.items() if 0x3B1 <= cp <= 0x3C9}
_SPELLED_WORD = re.compile(rf"^({'|'.join(sorted(_GREEK_LETTERS, key=len, reverse=True))})(\d*)$")


def other_greek(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` with Greek letters written the other way ("tgf β1" is "tgf beta1" and back)."""

    def other(word: str) -> str:
        if spelled := _SPELLED_WORD.match(word):
            return _GREEK_LETTERS[spelled[1]] + spelled[2]
        return word.translate(GREEK_SPELLED)

    return tuple(other(word) for word in words)


def _joined(term: Term) -> str:
    """The words of a one-token term joined ("PD-L1": "pdl1"), as documents also hold them; else empty."""
    one_token = not term.quoted and len(term.text.split()) == 1
    return "".join(term.words) if one_token and len(term.words) > 1 else ""


def _term_sql(term: Term, prefix: bool, keys: bool = True, config: str = _STEM) -> tuple[str, list]:
    if keys and (papers := lettered(term.words)):
        # The paper the site labels so, by its c=<citation> lexeme: a review letters its own way.
        return "(%s::tsquery)", [" | ".join(f"c={pk}" for pk in papers)]
    sql, params = f"phraseto_tsquery({config}, %s)", [" ".join(term.words)]
    if (greek := other_greek(term.words)) != term.words:
        sql += f" || phraseto_tsquery({config}, %s)"
        params.append(" ".join(greek))
    if joined := _joined(term):
        # The last word typed may be partial: the joined word too ("PD-L" finds "pdl1").
        sql += f" || to_tsquery({_WORDS}, %s)"
        params.append(_quoted(joined) + (":*" if prefix else ""))
    if prefix:
        # The word being typed: a prefix of the unstemmed words ("resista" is not a stem).
        for words in dict.fromkeys((term.words, greek)):
            typed = f"to_tsquery({_WORDS}, %s)"
            if len(words) > 1:
                typed = f"tsquery_phrase(phraseto_tsquery({config}, %s), {typed})"
                params.append(" ".join(words[:-1]))
            params.append(_quoted(words[-1]) + ":*")
            sql = f"{sql} || {typed}"
    if keys and not term.negated and (lexemes := _needs_keys(term)):
        sql += " || %s::tsquery"
        params.append(" | ".join(_quoted(key) for key in lexemes))
    return f"({sql})", params


#: The word being typed is a prefix only from this length, or after other words of its token
#: ("miR-2"): "m:*" matches nearly every item, and ranking them all is slow.
MIN_PREFIX = 3


def _typed_prefix(term: Term) -> bool:
    """Whether ``term``, the last of a query, is also the prefix of the word being typed."""
    return not term.quoted and not term.negated and (len(term.words) > 1 or len(term.words[-1]) >= MIN_PREFIX)


class Matches(Lookup):
    """``document__matches=TextQuery``: ``document @@ (query)``."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} @@ ({self.rhs.sql})", [*lhs_params, *self.rhs.params]


SearchVectorField.register_lookup(Matches)


def highlight(text: str, statements: dict[int, str]) -> dict[int, str]:
    """``{id: statement}`` as safe HTML, each word that starts with a searched word's stem (or the
    last word as typed) in ``<mark>``."""
    groups = parse(text)
    words = {word for group in groups for term in group if not term.negated for word in term.words}
    if not words or not statements:
        return {}
    last = groups[-1][-1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce((SELECT min(lexeme) FROM unnest(to_tsvector({_STEM}, w))), w) FROM unnest(%s::text[]) w",
            [sorted(words)],
        )
        prefixes = {stem for (stem,) in cursor.fetchall()}
    if _typed_prefix(last):
        prefixes.add(last.words[-1])
    prefixes = tuple(plain(prefix) for prefix in prefixes)
    marked = {}
    for pk, statement in statements.items():
        parts = _PARTS_RE.split(statement)
        marked[pk] = mark_safe(  # noqa: S308 - every part is escaped
            "".join(
                f"<mark>{escape(part)}</mark>"
                if i % 2 == 0 and part and plain(part).startswith(prefixes)
                else escape(part)
                for i, part in enumerate(parts)
            )
        )
    return marked


def rank(query: TextQuery) -> Func:
    return Func(F("search_document__document"), query.expression(), function="ts_rank", output_field=FloatField())


def did_you_mean(text: str, n: int = 5, public: bool = True) -> list[dict[str, str]]:
    """``[{"name": ..., "kind": "drug"}]``: the drug, cargo, cell (and alias) and mechanism names
    nearest by trigram similarity to the query or one of its first words, best first;
    ``public``: only names accepted evidence uses."""
    from evidence.models import Cargo, Cell, Drug, Mechanism

    pieces = [text[:100]] + [" ".join(term.words) for group in parse(text)[:4] for term in group if not term.negated]
    pieces = list(dict.fromkeys(piece for piece in pieces if len(piece) >= 3))
    if not pieces:
        return []
    lowered = [piece.lower() for piece in pieces]

    def nearest(queryset, field: str, kind: str):
        scores = [TrigramSimilarity(field, Value(piece)) for piece in pieces]
        return (
            queryset.annotate(
                suggestion=F(field),
                entity_kind=Value(kind, output_field=CharField()),
                score=Greatest(*scores) if len(scores) > 1 else scores[0],
                lowered=Lower(field),
            )
            .filter(score__gt=0.25)
            .exclude(lowered__in=lowered)
            .values_list("suggestion", "entity_kind", "score")
        )

    parts = []
    for model, field, kind in ((Drug, "name", "drug"), (Cargo, "symbol", "cargo"), (Cell, "name", "cell")):
        entities = model.objects.public() if public else model.objects.all()
        parts.append(nearest(entities.order_by(), field, kind))
        parts.append(nearest(model.aliases.rel.related_model.objects.filter(entity__in=entities), "name", kind))
    parts.append(nearest(Mechanism.objects.order_by(), "name", "mechanism"))
    rows = parts[0].union(*parts[1:], all=True).order_by("-score", "suggestion")[: n * 2]
    found: dict[str, dict[str, str]] = {}
    for name, kind, _ in rows:
        found.setdefault(name.lower(), {"name": name, "kind": kind})
    return list(found.values())[:n]


def did_you_mean_for(user, text: str, found: bool) -> list[dict[str, str]] | None:
    """``did_you_mean`` among the names ``user`` may see, when ``text`` ``found`` nothing."""
    from evidence.models.evidence import sees_unpublished

    return None if found or not text else did_you_mean(text, public=not sees_unpublished(user))
