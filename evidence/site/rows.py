"""Rows of the HTML evidence table from ``Evidence.objects.as_rows()`` dicts: the names the table
would read on a model instance, without building instances and related managers per item."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse

from evidence.choices import EditorialNotice, Effect, EvidenceLevel
from evidence.models.citation import label_letters, short_label
from evidence.models.evidence import complete_rows, format_public_id, with_role

_LEVELS = dict(EvidenceLevel.choices)
_EFFECTS = dict(Effect.choices)
_NOTICES = dict(EditorialNotice.choices)


@dataclass(frozen=True)
class Linked:
    """A cargo or drug as the table links it."""

    symbol: str
    name: str
    get_absolute_url: str


@dataclass(frozen=True)
class RowCitation:
    short_label: str
    retracted: bool
    year: int | None
    notice: str = ""

    @property
    def get_notice_display(self) -> str:
        return _NOTICES.get(self.notice, self.notice)


@dataclass(frozen=True)
class RowCancerType:
    name: str
    is_breast_cancer: bool

    def __str__(self) -> str:
        return self.name


class Related(list):
    """A list the template can read as a related manager (``item.cargos.all``)."""

    def all(self) -> Related:
        return self


class EvidenceRow:
    __slots__ = (
        "pk", "public_id", "get_absolute_url", "statement", "statement_html", "citation", "cargos", "drugs", "level",
        "effect", "cancer_type", "drug_response_measured", "vesicle_involvement",
        "matched_because",
    )  # fmt: skip

    def __init__(self, row: dict, urls: dict[str, str], letters: dict[int, str]) -> None:
        self.pk = row["id"]
        self.public_id = format_public_id(self.pk)
        self.get_absolute_url = urls["evidence"].replace("EXR0", self.public_id, 1)
        self.statement = row["statement"]
        #: With a text search: an excerpt with the matched words marked (safe HTML).
        self.statement_html = ""
        #: With a cargo filter that reached a family or a silencing agent: why this row matched.
        self.matched_because: list[str] = []
        self.citation = RowCitation(
            short_label(
                row["citation__authors"],
                row["citation__authors_truncated"],
                row["citation__year"],
                letters.get(row["citation_id"], ""),
            ),
            row["citation__retracted"],
            row["citation__year"],
            row["citation__notice"],
        )
        self.cargos = Related(
            Linked(c["symbol"], c["symbol"], urls["cargo"].replace("slug0", c["slug"], 1)) for c in row["cargos"]
        )
        self.drugs = Related(
            Linked(d["name"], with_role(d), urls["drug"].replace("slug0", d["slug"], 1)) for d in row["drugs"]
        )
        self.level = row["level"]
        self.effect = row["effect"]
        self.cancer_type = RowCancerType(row["cancer_type__name"], row["breast_cancer"])
        self.drug_response_measured = row["drug_response_measured"]
        self.vesicle_involvement = row["vesicle_involvement"]

    @property
    def get_level_display(self) -> str:
        return _LEVELS.get(self.level, self.level)

    @property
    def get_effect_display(self) -> str:
        return _EFFECTS.get(self.effect, self.effect)


def evidence_rows(rows: Iterable[dict]) -> list[EvidenceRow]:
    """``as_rows()`` dicts as table rows, with the links formatted from one ``reverse()`` per kind of page."""
    urls = {
        "evidence": reverse("evidence_detail", args=["EXR0"]),
        "cargo": reverse("cargo_detail", args=["slug0"]),
        "drug": reverse("drug_detail", args=["slug0"]),
    }
    letters = label_letters()
    return [EvidenceRow(row, urls, letters) for row in complete_rows(list(rows))]
