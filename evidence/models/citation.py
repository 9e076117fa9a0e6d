from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection, models
from django.db.models import OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse

from evidence import identifiers as ids
from evidence.choices import EditorialNotice, EntryType, PublicationType
from evidence.models.base import ChangeLoggedModel, ListingQuerySet, id_array

#: What PostgreSQL's indexes of citations hold (a btree entry is at most 2,704 bytes): the title
#: (``citation_title_as_read`` and, beside the first two family names, ``evidence_citation_label_key``)
#: and the authors joined (``citation_author_as_read``). Counted in UTF-8 bytes: a non-Latin letter
#: takes two to four. Longer, the database refuses the row (an OperationalError, not a message).
TITLE_MAX_BYTES = 2000
AUTHOR_MAX_BYTES = 300
AUTHORS_MAX_BYTES = 2400
_FEWER = " (fewer for non-Latin letters)"


def index_size_problem(title: str, authors: Iterable, how_cut: str) -> tuple[str, str] | None:
    """``(field, message)`` when the title or the authors are too long for the indexes, else None;
    ``how_cut`` says how the source marks an author list cut short."""
    if len(title.encode()) > TITLE_MAX_BYTES:
        return "title", f"the title is {len(title):,} characters long; at most {TITLE_MAX_BYTES:,} fit{_FEWER}."
    authors = [str(author) for author in authors or []]
    for number, author in enumerate(authors, 1):
        if len(author.encode()) > AUTHOR_MAX_BYTES:
            return "authors", (
                f"author {number} ({author[:40]}...) is {len(author):,} characters long; at most "
                f"{AUTHOR_MAX_BYTES} fit{_FEWER}. Check the author field."
            )
    joined = "; ".join(authors)
    if len(joined.encode()) > AUTHORS_MAX_BYTES:
        return "authors", (
            f"its {len(authors):,} authors make a list of {len(joined):,} characters; at most "
            f"{AUTHORS_MAX_BYTES:,} fit{_FEWER}. Keep the first authors and mark the list as cut short ({how_cut})."
        )
    return None


class CitationQuerySet(ListingQuerySet):
    public_through = Q(citation=OuterRef("pk")) | Q(secondary_source=OuterRef("pk"))

    def by_identifier(self, identifier: str):
        """The citation with this DOI (in any written form), PMID (a bare number) or BibTeX key, or None."""
        kind = _identifier_kind(identifier or "")
        return self.filter(**{kind[0]: kind[1]}).first() if kind else None

    def pks_by_identifier(self, identifiers: Iterable[str]) -> dict[str, int]:
        """Identifier as written -> primary key of the citation it names (as ``by_identifier``),
        one query per kind of identifier."""
        wanted: dict[str, dict[str, list[str]]] = {}
        for raw in identifiers:
            if kind := _identifier_kind(raw):
                wanted.setdefault(kind[0], {}).setdefault(kind[1], []).append(raw)
        found = {}
        for column, values in wanted.items():
            for pk, value in self.filter(**{f"{column}__in": list(values)}).values_list("pk", column):
                found.update(dict.fromkeys(values[value], pk))
        return found


def _identifier_kind(identifier: str) -> tuple[str, str] | None:
    """(column, value as stored) of a DOI, else a PMID ("PMID: 123"), else a BibTeX key; None for nothing."""
    identifier = identifier.strip()
    if not identifier:
        return None
    doi = ids.normalize_doi(identifier)
    if doi and ids.DOI_RE.match(doi):
        return "doi", doi
    pmid = ids.normalize_pmid(identifier)
    if pmid and pmid.isdigit():
        return "pmid", pmid
    return "bibtex_key", identifier


class Citation(ChangeLoggedModel):
    """A publication: the primary source of evidence, or a review evidence was curated through."""

    identifier_fields = ("doi", "pmid", "pmcid")
    editor_fields = (
        "title", "authors", "year", "journal", "doi", "pmid", "pmcid", "publication_type",
        "retracted", "retraction_note", "notice", "notice_note",
    )  # fmt: skip

    doi = models.CharField(
        "DOI",
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        validators=[ids.validate_doi],
        help_text="Stored lower-case without the https://doi.org/ prefix. Leave empty when the paper has none.",
    )
    pmid = models.CharField("PMID", max_length=12, null=True, blank=True, unique=True, validators=[ids.validate_pmid])
    pmcid = models.CharField("PMCID", max_length=16, blank=True, validators=[ids.validate_pmcid])
    bibtex_key = models.CharField(
        "BibTeX key",
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text="The citation key, e.g. ning2017. Unique when given.",
    )
    entry_type = models.CharField(max_length=20, choices=EntryType.choices, default=EntryType.ARTICLE)
    title = models.TextField()
    authors = models.JSONField(default=list, blank=True, help_text='Authors in order, each as "Family, Given".')
    authors_truncated = models.BooleanField(
        default=False, help_text="The source listed only the first authors, then et al."
    )
    author_string = models.TextField(editable=False, blank=True)
    journal = models.CharField(max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    volume = models.CharField(max_length=30, blank=True)
    issue = models.CharField(max_length=30, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    publisher = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=500, blank=True)
    abstract = models.TextField(blank=True)
    publication_type = models.CharField(max_length=10, choices=PublicationType.choices, default=PublicationType.PRIMARY)
    retracted = models.BooleanField(default=False, db_index=True)
    retraction_note = models.TextField(blank=True)
    notice = models.CharField(
        "editorial notice",
        max_length=24,
        choices=EditorialNotice.choices,
        blank=True,
        help_text="An expression of concern or a correction the journal published.",
    )
    notice_note = models.TextField(blank=True, help_text="Where and when, and what it says.")
    note = models.TextField("curator's note", blank=True)

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "author_string"]
        # ?ordering=author and =title sort case-folded (filtersets.OrderingFilter).
        indexes = [
            models.Index(Lower("author_string"), name="citation_author_as_read"),
            models.Index(Lower("title"), name="citation_title_as_read"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(retracted=False) | ~Q(retraction_note=""),
                name="citation_retraction_has_note",
                violation_error_message="A retracted citation needs a retraction note.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.short_label} {self.title[:80]}"

    @property
    def first_author_surname(self) -> str:
        return _surname(self.authors[0]) if self.authors else ""

    @property
    def short_label(self) -> str:
        """The in-text form, e.g. "Ning et al. (2017)", or "Liu et al. (2023b)" beside another
        Liu et al. (2023)."""
        return short_label(self.authors, self.authors_truncated, self.year, label_letters().get(self.pk, ""))

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    def get_absolute_url(self) -> str:
        return reverse("citation_detail", args=[self.pk])

    def clean(self):
        self.doi = ids.normalize_doi(self.doi)
        self.pmid = ids.normalize_pmid(self.pmid)
        self.bibtex_key = (self.bibtex_key or "").strip() or None

    def save(self, *args, **kwargs):
        # Also here, so imports and the API cannot store a DOI spelling that slips past the unique constraint.
        self.clean()
        self.author_string = "; ".join(str(a) for a in self.authors or [])
        super().save(*args, **kwargs)


def short_label(authors: list, truncated: bool, year: int | None, suffix: str | None = "") -> str:
    """ "Ning et al. (2017)" from the author list and the ``label_letters`` letter."""
    authors = authors or []
    surname = (_surname(authors[0]) if authors else "") or "Anon."
    if len(authors) == 2 and not truncated:
        who = f"{surname} and {_surname(authors[1])}"
    elif len(authors) > 2 or truncated:
        who = f"{surname} et al."
    else:
        who = surname
    return f"{who} ({year or 'n.d.'}{suffix or ''})"


def _surname(author) -> str:
    """The family name of an author written "Family, Given"."""
    return str(author).split(",")[0].strip()


_LETTERS_SQL = """
    SELECT id, n FROM (
        SELECT id, count(*) OVER same AS size, row_number() OVER (same ORDER BY title, id) - 1 AS n
          FROM evidence_citation
        WINDOW same AS (PARTITION BY exoresist_label_key(authors, authors_truncated, year))
    ) AS labelled
     WHERE size > 1"""


def label_letters() -> dict[int, str]:
    """Citation id -> the letter that tells it from the other papers with the same in-text label
    ("Liu et al. (2023a)", "(2023b)", in title order): one query per data version. Counted over
    every citation, so accepting a draft does not re-letter the public ones."""
    from exoresist.data_version import cached, remembered

    def read() -> dict[int, str]:
        # The primary, not a lagging replica: the letters are kept under the primary's data version.
        with connection.cursor() as cursor:
            cursor.execute(_LETTERS_SQL)
            return {pk: chr(97 + n) if n < 26 else f"-{n + 1}" for pk, n in cursor.fetchall()}

    return remembered("label-letters", lambda: cached("label-letters", (), read))


#: A year with a label's letter, words joined by "-": "2018a", "2018-27" (past z).
_LETTERED_YEAR = re.compile(r"(\d{4})([a-z]|-\d+)")


def lettered(words: tuple[str, ...]) -> list[int]:
    """The citations whose label ends in the year and letter ``words`` spell ("2018a")."""
    match = _LETTERED_YEAR.fullmatch("-".join(words))
    if not match:
        return []
    year, letter = match.groups()
    same_letter = [pk for pk, its in label_letters().items() if its == letter]
    if not same_letter:
        return []
    return list(Citation.objects.filter(year=year, pk__in=id_array(same_letter)).values_list("pk", flat=True))
