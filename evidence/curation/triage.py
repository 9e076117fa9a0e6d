"""The triage queue: imported papers that hold no evidence yet, most promising by their title and
abstract first (words about vesicles and resistance, the entities ``evidence.recognition`` knows)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evidence.curation import workflow
from evidence.models import Cargo, Cell, Citation, CitationTriage, Drug, Evidence, Mechanism, TriageDecision
from evidence.recognition import recognise

#: Words that make a paper likelier to hold a finding, with what each match adds.
_TERMS = {
    "vesicle": (re.compile(r"\b(exosom\w*|extracellular vesicles?|EVs?|microvesicles?|microparticles?|sEVs?)\b",
                           re.IGNORECASE), 3.0),
    "resistance": (re.compile(r"\b(\w*resistan\w*|sensiti[sz]\w*|refractory|chemoresist\w*)\b", re.IGNORECASE), 2.0),
    "breast": (re.compile(r"\bbreast\b", re.IGNORECASE), 1.0),
}  # fmt: skip
#: What one distinct recognised entity adds, by kind; at most ``_PER_KIND`` of each count.
_WEIGHTS = {"drug": 2.0, "cargo": 1.5, "cell": 0.5, "mechanism": 1.0, "therapy_class": 0.5}
_PER_KIND = 3
#: Candidates scored per request: the queue ranks at most this many unhandled papers, newest first.
MAX_CANDIDATES = 5000


@dataclass
class Candidate:
    citation: Citation
    score: float
    mentions: list[dict]
    #: The title and abstract with the words that scored marked (safe HTML).
    title_html: SafeString
    abstract_html: SafeString
    decision: str = ""

    @property
    def entities(self) -> dict[str, list[str]]:
        return by_kind(self.mentions, "name")


def by_kind(mentions: list[dict], field: str) -> dict[str, list[str]]:
    """``field`` of each mention by kind, each value once, in the order met."""
    out: dict[str, list[str]] = {}
    for mention in mentions:
        values = out.setdefault(mention["kind"], [])
        if mention[field] not in values:
            values.append(mention[field])
    return out


def _marks(text: str, spans: list[tuple[int, int, str]]) -> SafeString:
    """``text`` escaped, with each (start, end, css class) span wrapped in <mark>; overlaps skipped."""
    out, at = [], 0
    for start, end, css in sorted(spans):
        if start < at:
            continue
        out += [escape(text[at:start]), f'<mark class="{css}">', escape(text[start:end]), "</mark>"]
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def assess(citation: Citation) -> Candidate:
    texts = {"title": citation.title or "", "abstract": citation.abstract or ""}
    spans: dict[str, list[tuple[int, int, str]]] = {name: [] for name in texts}
    terms: set[str] = set()
    mentions: list[dict] = []
    for name, text in texts.items():
        for term, (pattern, _weight) in _TERMS.items():
            for match in pattern.finditer(text):
                terms.add(term)
                spans[name].append((match.start(), match.end(), f"term-{term}"))
        found = recognise(text, public=False)
        mentions += found
        spans[name] += [(m["start"], m["end"], f"mention-{m['kind']}") for m in found]
    score = sum(weight for term, (_pattern, weight) in _TERMS.items() if term in terms)
    distinct = by_kind(mentions, "slug")
    score += sum(_WEIGHTS.get(kind, 0) * min(len(slugs), _PER_KIND) for kind, slugs in distinct.items())
    return Candidate(
        citation,
        round(score, 1),
        mentions,
        title_html=_marks(texts["title"], spans["title"]),
        abstract_html=_marks(texts["abstract"], spans["abstract"]),
    )


def queue() -> list[Candidate]:
    """Papers no evidence cites and not set aside as not relevant: those marked curate, then the
    undecided, most promising first, then those marked later."""
    cited = Evidence.objects.filter(citation=OuterRef("pk"))
    set_aside = CitationTriage.objects.filter(citation=OuterRef("pk"), decision=TriageDecision.NOT_RELEVANT)
    pending = Citation.objects.filter(~Exists(cited), ~Exists(set_aside)).select_related("triage")
    candidates = []
    for citation in pending.order_by("-created", "-pk")[:MAX_CANDIDATES]:
        candidate = assess(citation)
        triage = getattr(citation, "triage", None)
        candidate.decision = triage.decision if triage is not None else ""
        candidates.append(candidate)
    place = {TriageDecision.CURATE: 0, "": 1, TriageDecision.LATER: 2}
    candidates.sort(key=lambda c: (place[c.decision], -c.score, -c.citation.pk))
    return candidates


#: As long as an editor's reason for a rejection may be.
REASON_MAX_LENGTH = 5000


@transaction.atomic
def decide(citation: Citation, user, decision: str, reason: str = "") -> CitationTriage:
    """Record a curator's decision on a paper, replacing any earlier one."""
    workflow.require_curator(user)
    if decision not in TriageDecision.values:
        choices = ", ".join(TriageDecision.values)
        raise workflow.WorkflowError(f"{str(decision)[:40]!r} is not a triage decision ({choices}).")
    reason = (reason or "").strip()
    if "\x00" in reason:  # PostgreSQL text cannot hold it: the save was a server error
        raise workflow.WorkflowError(
            "The reason holds a NUL character (\\u0000), which text may not contain; remove it."
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise workflow.WorkflowError(
            f"The reason is {len(reason):,} characters long; at most {REASON_MAX_LENGTH:,} are kept. Shorten it."
        )
    if decision == TriageDecision.NOT_RELEVANT and not reason:
        raise workflow.WorkflowError("Say why the paper is not relevant, so that nobody triages it again.")
    triage = CitationTriage.objects.select_for_update().filter(citation=citation).first()
    triage = triage or CitationTriage(citation=citation)
    triage.decision, triage.reason, triage.decided_by = decision, reason, user
    try:
        with transaction.atomic():
            workflow.save_with_history(triage, user, f"Triage: {triage.get_decision_display()}")
    except IntegrityError:
        # Another curator decided on the same paper a moment before.
        raise workflow.WorkflowError("Someone decided on this paper meanwhile; reload the queue.") from None
    return triage


def draft_initial(citation: Citation) -> dict:
    """Initial values of a new evidence item: the paper and what its title and abstract name."""

    slugs = by_kind(assess(citation).mentions, "slug")

    def pks(model, kind: str) -> list[int]:
        by_slug = dict(model.objects.filter(slug__in=slugs.get(kind, [])).values_list("slug", "pk"))
        return [by_slug[slug] for slug in slugs.get(kind, []) if slug in by_slug]

    drugs = pks(Drug, "drug")
    initial: dict = {
        "citation": citation.pk,
        "cargos": pks(Cargo, "cargo"),
        "mechanisms": pks(Mechanism, "mechanism"),
        "drugs": drugs,
    }
    if drugs:
        initial["therapy_class"] = Drug.objects.get(pk=drugs[0]).therapy_class_id
    cells = list(Cell.objects.filter(pk__in=pks(Cell, "cell")))
    # A resistant derivative is usually where the vesicles come from, its parent where they go.
    resistant = next((cell for cell in cells if cell.parent_id), None)
    if resistant is not None:
        initial["source_cell"] = resistant.pk
        initial["recipient_cell"] = resistant.parent_id
    elif len(cells) == 1:
        initial["recipient_cell"] = cells[0].pk
    return initial
