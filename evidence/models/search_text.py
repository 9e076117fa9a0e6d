"""The evidence search document: one lower-case text column that ``q`` searches.

``Evidence.search_text`` holds, lower-cased and one per line:

* the statement,
* the primary citation's title,
* every name of the linked drugs, cargos (symbol and full name) and source and
  recipient cells, aliases included (sorted, without repeats),
* and a last line of lookup-key tokens, `` k=<key> b=<base> `` for each of those
  names (see ``identifiers.lookup_keys``), so that the synonym-aware match of
  ``NamedQuerySet.matching()`` ("mcf7" finds MCF-7, "miR-155" finds hsa-miR-155-5p)
  is a match on the same column.

How ``q`` matches (``Evidence.objects.search()``, the ``matches_words`` lookup below)
-------------------------------------------------------------------------------
The query and the document are cut into *words*: runs of letters and digits,
split at ASCII punctuation and spaces (and the Unicode dashes, quotes and spaces of
``SEPARATORS``). An item matches when its document (statement, title, names) holds
the query's words in the same order, next to each other, the last one possibly
incomplete: a word *prefix* search, case-insensitive, punctuation-blind::

    "paclitax"   finds "paclitaxel"              (the last word may be partial)
    "miR-2"      finds "hsa-miR-21-5p"           (mir, then a word starting 2)
    "co-culture" finds "co-culture", "co culture"
    "taxel"      does not find "paclitaxel"       (words match from their start)

or when one of its drugs, cargos or cells is *called* the query, synonym-aware as
``NamedQuerySet.matching()`` ("mcf7" finds MCF-7, "miR-155" finds hsa-miR-155-5p):
the key tokens of the last line. A query without any letter or digit matches
nothing.

This is ``search_vector @@ tsquery``: ``search_vector`` is a stored
generated column (migration ``0007_search_vector``), the ``simple`` text-search
vector of the document with the key tokens as whole lexemes, behind a GIN index;
the query is ``'w1' <-> 'w2' <-> ... 'wn':*`` OR'ed with the key lexemes. Being
generated from ``search_text``, it is rewritten by PostgreSQL whenever
``search_text`` is, by the signals and refreshes below: nothing else keeps it.
Until 0007 ``q`` was a substring match (``LIKE '%...%'``, trigram index): it also
found text inside words ("taxel"), at the cost of re-checking every candidate row.

Keeping it current
------------------
Signals refresh it whenever an evidence item is saved, its drugs or cargos are
linked or unlinked, a citation's title, an entity's name or an alias changes, or a
linked drug or cargo is deleted. Anything that bypasses signals (``bulk_create``,
``QuerySet.update()``, COPY, raw SQL: bulk imports, ``generate_synthetic``) must
call, once it has written its rows::

    Evidence.objects.refresh_search_text(ids)      # or .filter(...).refresh_search_text()
    Evidence.objects.refresh_search_text()         # every row (batched)

and code that saves many related rows in a row (an alias list, a seed load, an
import) can batch the signal-driven refreshes::

    with deferred_search_refresh():
        ...   # saves; the touched evidence items are refreshed once, on exit

The refresh is one set-based ``UPDATE`` per batch. Bulk writers compose the documents
in Python and send them with the rows (``documents_for``), which saves rewriting every
row a second time; a test checks that both write the same text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Lookup, Q, TextField
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

#: Rows per UPDATE when refreshing a whole table.
BATCH = 50_000

_state = threading.local()


# --- building the document ------------------------------------------------------


def key_tokens(key: str, base: str) -> list[str]:
    tokens = []
    if key:
        tokens.append(f"k={key}")
    if base:
        tokens.append(f"b={base}")
    return tokens


def compose(statement: str, title: str, names: Iterable[str], tokens: Iterable[str]) -> str:
    """The document, exactly as the PostgreSQL ``UPDATE`` below writes it."""
    name_lines = sorted({name.lower() for name in names if name})
    token_set = sorted(set(tokens))
    token_line = " " + " ".join(token_set) + " " if token_set else " "
    return "\n".join([(statement or "").lower(), (title or "").lower(), "\n".join(name_lines), token_line])


# --- matching: words, the PostgreSQL tsquery and the portable regular expression ---

#: What separates words (besides nothing being a word): ASCII punctuation, spaces and
#: controls, no-break space, the General Punctuation block (dashes, quotes, spaces)
#: and the minus sign. The same class is written into migration 0007's SQL.
SEPARATORS = r"\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\u00a0\u2000-\u206f\u2212"
_SEPARATOR_RE = re.compile(f"[{SEPARATORS}]+")
#: PostgreSQL's expression for the generated ``search_vector`` column (migration 0007):
#: the words of every line but the last, positioned (for ``<->``), and the key tokens
#: of the last line as whole lexemes.
VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, regexp_replace(coalesce(substring(search_text from '^(.*)\\n'), ''), "
    "'[\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f\\u00a0\\u2000-\\u206f\\u2212]+', ' ', 'g')) "
    "|| array_to_tsvector(string_to_array(btrim(coalesce(substring(search_text from '[^\\n]*$'), '')), ' '))"
)


def search_words(value: str) -> list[str]:
    """The words of a query, lower-cased (see "How q matches" above)."""
    return [word for word in _SEPARATOR_RE.split(value.lower()) if word]


def key_lexemes(value: str) -> list[str]:
    """The key tokens that find the entities called ``value`` (``matching()``'s rule).

    ``matching(value)`` accepts an entity whose key is the query's key or base, or
    whose base is the query's key.
    """
    from evidence.identifiers import lookup_keys

    key, base = lookup_keys(value)
    tokens = [f"k={key}", f"b={key}"] if key else []
    if base and base != key:
        tokens.append(f"k={base}")
    return tokens


def _words_pattern(words: list[str]) -> str:
    # Not preceded by a word character; the words in order, separated; the last a prefix.
    return f"(?<![^{SEPARATORS}])" + f"[{SEPARATORS}]+".join(re.escape(w) for w in words)


@dataclass(frozen=True)
class SearchTerms:
    """What ``q`` looks for: its words, and the key tokens that the words alone miss."""

    words: tuple[str, ...]
    keys: tuple[str, ...]

    @classmethod
    def of(cls, value: str) -> SearchTerms:
        """The terms of ``value``, with key tokens only when a name needs them.

        The key tokens find the entities called ``value`` ("mcf7" for MCF-7, "5fu"
        for 5-FU). One query on the entity tables finds those entities' names; when
        the words already find every one of them ("miR-155" for hsa-miR-155-5p, any
        typed name), the key tokens are left out: the result is the same, and the
        planner, which cannot know that they find the same rows, does not add
        their frequencies to its estimate (an overestimate makes it walk the whole
        id index looking for matches that are not there).
        """
        from evidence.models import Cargo, CargoAlias, Cell, CellAlias, Drug, DrugAlias

        words = tuple(search_words(value))
        tokens = key_lexemes(value)
        if not tokens:
            return cls(words, ())
        from evidence.identifiers import lookup_keys

        key, base = lookup_keys(value)
        keys, bases = {key, base} - {""}, {key} - {""}
        matched = Q(key__in=keys) | Q(base__in=bases)
        names = Drug.objects.filter(matched).values_list("name").order_by()
        for model, field in ((Cargo, "symbol"), (Cell, "name"), (DrugAlias, "name"), (CargoAlias, "name")):
            names = names.union(model.objects.filter(matched).values_list(field).order_by(), all=True)
        names = names.union(CellAlias.objects.filter(matched).values_list("name").order_by(), all=True)
        pattern = re.compile(_words_pattern(list(words))) if words else None
        if pattern and all(pattern.search(name.lower()) for (name,) in names):
            return cls(words, ())
        return cls(words, tuple(tokens))

    @classmethod
    def coerce(cls, value: str | SearchTerms) -> SearchTerms:
        """A string given to the lookup directly: every key token, no entity query."""
        if isinstance(value, SearchTerms):
            return value
        return cls(tuple(search_words(value)), tuple(key_lexemes(value)))


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(value: str | SearchTerms) -> tuple[str, str]:
    """``value`` as two PostgreSQL tsquery inputs: the words, for ``to_tsquery('simple', ...)``,
    and the key tokens, for ``::tsquery`` (no parsing); either may be ``""``.

    Every operand is quoted, so nothing the user typed can act as an operator
    (``&|!():*<>`` and quotes are separators anyway); ``to_tsquery`` still runs
    the words through the same parser as ``to_tsvector``, so that they become
    the document's lexemes. The last word is a prefix.
    """
    terms = SearchTerms.coerce(value)
    phrase = " <-> ".join(_quoted(w) for w in terms.words) + ":*" if terms.words else ""
    return phrase, " | ".join(_quoted(token) for token in terms.keys)


class MatchesWords(Lookup):
    """``search_text__matches_words=q``: the ``q`` rule above, on the column's table.

    It reads ``search_vector`` of the same table alias (a lookup, not raw SQL, so that
    it keeps working when Django relabels tables in subqueries).
    """

    lookup_name = "matches_words"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        phrase, keys = tsquery(self.rhs)
        if not phrase and not keys:
            return "1 = 0", []
        vector = f"{compiler.quote_name_unless_alias(self.lhs.alias)}.{connection.ops.quote_name('search_vector')}"
        if phrase and keys:
            return f"{vector} @@ (to_tsquery('simple'::regconfig, %s) || %s::tsquery)", [phrase, keys]
        if phrase:
            return f"{vector} @@ to_tsquery('simple'::regconfig, %s)", [phrase]
        return f"{vector} @@ %s::tsquery", [keys]


def _documents_python(models: Any, ids: list[int]) -> dict[int, str]:
    """Documents of saved items, built with the ORM: a handful of queries for any number of items."""
    Evidence = models.Evidence
    rows = list(
        Evidence.objects.filter(pk__in=ids).values_list(
            "pk", "statement", "citation__title", "source_cell_id", "recipient_cell_id"
        )
    )
    drug_links = list(Evidence.drugs.through.objects.filter(evidence_id__in=ids).values_list("evidence_id", "drug_id"))
    cargo_links = list(
        Evidence.cargos.through.objects.filter(evidence_id__in=ids).values_list("evidence_id", "cargo_id")
    )
    return _compose_all(models, rows, drug_links, cargo_links)


def _compose_all(
    models: Any, rows: list[tuple], drug_links: list[tuple[Any, int]], cargo_links: list[tuple[Any, int]]
) -> dict[Any, str]:
    """``{item: document}`` for rows of (item, statement, citation title, source cell, recipient cell)
    and (item, drug or cargo pk) links; the names and aliases are read in a few queries."""

    def names_of(
        entity_model, alias_model, pks: set[int], name_field: str = "name", extra: str | None = None
    ) -> dict[int, list[tuple]]:
        # Plain field names: the migration passes historical models, without name_field.
        found: dict[int, list[tuple]] = {}
        if not pks:
            return found
        for pk, name, key, base in entity_model.objects.filter(pk__in=pks).values_list("pk", name_field, "key", "base"):
            found.setdefault(pk, []).append((name, key, base))
        if extra:
            for pk, name in entity_model.objects.filter(pk__in=pks).values_list("pk", extra):
                found.setdefault(pk, []).append((name, "", ""))
        for pk, name, key, base in alias_model.objects.filter(entity_id__in=pks).values_list(
            "entity_id", "name", "key", "base"
        ):
            found.setdefault(pk, []).append((name, key, base))
        return found

    drugs = names_of(models.Drug, models.DrugAlias, {d for _, d in drug_links})
    cargos = names_of(models.Cargo, models.CargoAlias, {c for _, c in cargo_links}, "symbol", "name")
    cell_ids = {pk for row in rows for pk in row[3:5] if pk}
    cells = names_of(models.Cell, models.CellAlias, cell_ids)

    linked: dict[Any, list[tuple]] = {}
    for item, drug_id in drug_links:
        linked.setdefault(item, []).extend(drugs.get(drug_id, ()))
    for item, cargo_id in cargo_links:
        linked.setdefault(item, []).extend(cargos.get(cargo_id, ()))
    documents = {}
    for item, statement, title, source, recipient in rows:
        names = list(linked.get(item, ()))
        for cell in (source, recipient):
            if cell:
                names.extend(cells.get(cell, ()))
        tokens = [token for _, key, base in names for token in key_tokens(key, base)]
        documents[item] = compose(statement, title, (name for name, _, _ in names), tokens)
    return documents


def documents_for(items: list[Any], relations: list[dict[str, list[int]]]) -> list[str]:
    """The documents of unsaved (or just changed) items with these ``drugs`` and ``cargos``.

    For bulk writes: the rows go in with their ``search_text`` already set, so that no
    ``UPDATE`` rewrites every row (and its ``search_vector``, and its index entries) again.
    """
    models = _live_models()
    titles = dict(
        models.Citation.objects.filter(pk__in={item.citation_id for item in items}).values_list("pk", "title")
    )
    rows = [
        (i, item.statement, titles.get(item.citation_id, ""), item.source_cell_id, item.recipient_cell_id)
        for i, item in enumerate(items)
    ]
    drug_links = [(i, pk) for i, rel in enumerate(relations) for pk in rel.get("drugs", ())]
    cargo_links = [(i, pk) for i, rel in enumerate(relations) for pk in rel.get("cargos", ())]
    documents = _compose_all(models, rows, drug_links, cargo_links)
    return [documents[i] for i in range(len(items))]


# One UPDATE: names and key tokens of each item aggregated from the link tables.
# ``{where}`` restricts the evidence rows (``e.id = ANY(%s)`` or an id range).
_POSTGRES_UPDATE = """
WITH items AS (
    SELECT e.id, e.citation_id, e.source_cell_id, e.recipient_cell_id FROM evidence_evidence e WHERE {where}
), names AS (
    SELECT l.evidence_id AS eid, d.name AS n, d.key, d.base
      FROM evidence_evidence_drugs l JOIN items i ON i.id = l.evidence_id JOIN evidence_drug d ON d.id = l.drug_id
    UNION ALL
    SELECT l.evidence_id, a.name, a.key, a.base
      FROM evidence_evidence_drugs l JOIN items i ON i.id = l.evidence_id
      JOIN evidence_drugalias a ON a.entity_id = l.drug_id
    UNION ALL
    SELECT l.evidence_id, g.symbol, g.key, g.base
      FROM evidence_evidence_cargos l JOIN items i ON i.id = l.evidence_id JOIN evidence_cargo g ON g.id = l.cargo_id
    UNION ALL
    SELECT l.evidence_id, g.name, '', ''
      FROM evidence_evidence_cargos l JOIN items i ON i.id = l.evidence_id JOIN evidence_cargo g ON g.id = l.cargo_id
    UNION ALL
    SELECT l.evidence_id, a.name, a.key, a.base
      FROM evidence_evidence_cargos l JOIN items i ON i.id = l.evidence_id
      JOIN evidence_cargoalias a ON a.entity_id = l.cargo_id
    UNION ALL
    SELECT i.id, c.name, c.key, c.base
      FROM items i JOIN evidence_cell c ON c.id IN (i.source_cell_id, i.recipient_cell_id)
    UNION ALL
    SELECT i.id, a.name, a.key, a.base
      FROM items i JOIN evidence_cellalias a ON a.entity_id IN (i.source_cell_id, i.recipient_cell_id)
), tokens AS (
    SELECT eid, 'k=' || key AS t FROM names WHERE key <> ''
    UNION
    SELECT eid, 'b=' || base FROM names WHERE base <> ''
), name_lines AS (
    SELECT eid, string_agg(DISTINCT lower(n) COLLATE "C", E'\\n' ORDER BY lower(n) COLLATE "C") AS lines
      FROM names WHERE n <> '' GROUP BY eid
), token_lines AS (
    SELECT eid, ' ' || string_agg(t COLLATE "C", ' ' ORDER BY t COLLATE "C") || ' ' AS line
      FROM tokens GROUP BY eid
)
UPDATE evidence_evidence e
   SET search_text = lower(e.statement) || E'\\n' || lower(coalesce(c.title, '')) || E'\\n'
       || coalesce(nl.lines, '') || E'\\n' || coalesce(tl.line, ' ')
  FROM items i
  JOIN evidence_citation c ON c.id = i.citation_id
  LEFT JOIN name_lines nl ON nl.eid = i.id
  LEFT JOIN token_lines tl ON tl.eid = i.id
 WHERE e.id = i.id
"""


def refresh(ids: Iterable[int] | None = None, using: str = "default") -> None:
    """Rewrite ``search_text`` of the items ``ids`` (every item when ``None``)."""
    connection = connections[using]
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return
    with connection.cursor() as cursor:
        if ids is not None:
            for start in range(0, len(ids), BATCH):
                cursor.execute(_POSTGRES_UPDATE.format(where="e.id = ANY(%s)"), [ids[start : start + BATCH]])
        else:
            cursor.execute("SELECT min(id), max(id) FROM evidence_evidence")
            low, high = cursor.fetchone()
            for start in range(low or 0, (high or 0) + 1, BATCH):
                cursor.execute(_POSTGRES_UPDATE.format(where="e.id >= %s AND e.id < %s"), [start, start + BATCH])


def python_documents(ids: list[int]) -> dict[int, str]:
    """The documents as the Python builder writes them (tests compare it with PostgreSQL's)."""
    return _documents_python(_live_models(), ids)


# --- keeping it current -----------------------------------------------------------


class _LiveModels:
    def __getattr__(self, name: str):
        from evidence import models

        return getattr(models, name)


def _live_models() -> _LiveModels:
    return _LiveModels()


def refresh_evidence(ids: Iterable[int]) -> None:
    ids = set(ids)
    if not ids:
        return
    pending = getattr(_state, "pending", None)
    if pending is not None:
        pending.update(ids)
        return
    refresh(ids)


@contextmanager
def deferred_search_refresh() -> Iterator[None]:
    """Collect the refreshes that signals ask for and run them once, on exit."""
    outer = getattr(_state, "pending", None)
    if outer is not None:
        yield  # nested: the outermost block refreshes
        return
    _state.pending = set()
    try:
        yield
        pending = _state.pending
    finally:
        _state.pending = None
    refresh_evidence(pending)


def _evidence_of(entity) -> set[int]:
    from evidence.models import Cargo, Cell, Citation, Drug, Evidence

    if isinstance(entity, Citation):
        return set(Evidence.objects.filter(citation_id=entity.pk).values_list("pk", flat=True))
    if isinstance(entity, Cell):
        either = Q(source_cell_id=entity.pk) | Q(recipient_cell_id=entity.pk)
        return set(Evidence.objects.filter(either).values_list("pk", flat=True))
    if isinstance(entity, Drug | Cargo):
        through = (Evidence.drugs if isinstance(entity, Drug) else Evidence.cargos).through
        column = "drug_id" if isinstance(entity, Drug) else "cargo_id"
        return set(through.objects.filter(**{column: entity.pk}).values_list("evidence_id", flat=True))
    return set()


#: The fields of each related model that appear in the document.
_WATCHED = {"Citation": ("title",), "Drug": ("name",), "Cargo": ("symbol", "name"), "Cell": ("name",)}


def _remember_names(sender, instance, raw=False, **kwargs) -> None:
    fields = _WATCHED[sender.__name__]
    if raw or instance.pk is None:
        instance._search_names = None
        return
    instance._search_names = sender.objects.filter(pk=instance.pk).values_list(*fields).first()


def _names_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or created:
        return
    fields = _WATCHED[sender.__name__]
    before = getattr(instance, "_search_names", None)
    if before is not None and tuple(getattr(instance, f) for f in fields) == tuple(before):
        return
    refresh_evidence(_evidence_of(instance))


def _evidence_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or (update_fields is not None and set(update_fields) <= {"search_text", "modified", "version"}):
        return
    refresh_evidence([instance.pk])


def _alias_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    entity = sender.entity.field.related_model.objects.filter(pk=instance.entity_id).first()
    if entity is not None:
        refresh_evidence(_evidence_of(entity))


def _links_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    from evidence.models import Evidence

    if action == "pre_clear" and reverse:
        # drug.evidence.clear(): the items are only known before the links go.
        instance._search_cleared = _evidence_of(instance)
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        if isinstance(instance, Evidence):
            refresh_evidence([instance.pk])
    elif action == "post_clear":
        refresh_evidence(getattr(instance, "_search_cleared", ()))
    else:
        refresh_evidence(pk_set or ())


def _entity_deleting(sender, instance, **kwargs) -> None:
    instance._search_linked = _evidence_of(instance)


def _entity_deleted(sender, instance, **kwargs) -> None:
    # The link rows went with the entity (without m2m signals): drop its names.
    refresh_evidence(getattr(instance, "_search_linked", ()))


def connect() -> None:
    TextField.register_lookup(MatchesWords)
    from evidence.models import Cargo, CargoAlias, Cell, CellAlias, Citation, Drug, DrugAlias, Evidence

    post_save.connect(_evidence_saved, sender=Evidence, dispatch_uid="search-text-evidence")
    for model in (Citation, Drug, Cargo, Cell):
        pre_save.connect(_remember_names, sender=model, dispatch_uid=f"search-text-pre-{model.__name__}")
        post_save.connect(_names_saved, sender=model, dispatch_uid=f"search-text-post-{model.__name__}")
    for model in (DrugAlias, CargoAlias, CellAlias):
        post_save.connect(_alias_changed, sender=model, dispatch_uid=f"search-text-save-{model.__name__}")
        post_delete.connect(_alias_changed, sender=model, dispatch_uid=f"search-text-delete-{model.__name__}")
    for model in (Drug, Cargo):
        pre_delete.connect(_entity_deleting, sender=model, dispatch_uid=f"search-text-predel-{model.__name__}")
        post_delete.connect(_entity_deleted, sender=model, dispatch_uid=f"search-text-del-{model.__name__}")
    for relation in (Evidence.drugs, Evidence.cargos):
        m2m_changed.connect(_links_changed, sender=relation.through, dispatch_uid=f"search-text-{relation.field.name}")
