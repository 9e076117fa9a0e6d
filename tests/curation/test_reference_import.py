"""PubMed XML, MEDLINE, RIS and CSL-JSON intake: real exports in, abstracts kept, clear errors out."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from evidence.curation.references.intake import import_references
from evidence.models import Citation
from tests.factories import CitationFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
PUBMED = (DATA / "pubmed_export.xml").read_bytes()
MEDLINE = (DATA / "citations.nbib").read_bytes()
RIS = (DATA / "refs.ris").read_bytes()
CSL = (DATA / "items.json").read_bytes()
UPLOAD = "/admin/evidence/citation/import-bibtex/"


def run(*files: tuple[str, bytes | str], **kwargs):
    return import_references([(n, d.encode() if isinstance(d, str) else d) for n, d in files], **kwargs)


def snapshot():
    return sorted(Citation.objects.values_list("pk", "doi", "pmid", "title")), Citation.history.count()


def pubmed_set(*articles: str, head: str = '<?xml version="1.0"?>\n') -> str:
    return head + "<PubmedArticleSet>" + "".join(articles) + "</PubmedArticleSet>"


def pubmed_article(pmid: str, title: str = "<ArticleTitle>A paper.</ArticleTitle>", extra: str = "") -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><JournalIssue>"
        f"<PubDate><Year>2020</Year></PubDate></JournalIssue><Title>J</Title></Journal>{title}{extra}"
        "</Article></MedlineCitation></PubmedArticle>"
    )


# --- PubMed XML ----------------------------------------------------------------


@pytest.fixture
def pubmed_imported():
    report = run(("export.xml", PUBMED))
    assert report.ok and report.saved, report.errors
    return {c.pmid: c for c in Citation.objects.all()}


def test_a_structured_abstract_keeps_its_labelled_sections(pubmed_imported):
    citation = pubmed_imported["31800001"]
    assert citation.abstract.split("\n") == [
        "BACKGROUND: Tamoxifen resistance limits endocrine therapy.",
        "METHODS: Exosomes from MCF-7/TamR cells were added to MCF-7 cells.",
        "RESULTS: miR-221/222 reduced p27 and ERα.",
    ]
    assert pubmed_imported["29400002"].abstract == "Unstructured abstract on one line."


def test_medline_date_ranges_and_seasons_give_the_year(pubmed_imported):
    assert pubmed_imported["31800001"].year == 2019  # "2019 Nov-Dec"
    assert pubmed_imported["29400002"].year == 2018  # "2018 Winter"
    assert pubmed_imported["30100003"].year == 2018  # <Year>


def test_authors_keep_non_ascii_letters_collective_names_and_skip_invalid_ones(pubmed_imported):
    citation = pubmed_imported["31800001"]
    assert citation.authors == [
        "Müller, Jörg",
        "Sørensen, Åse",
        "王, 伟",
        "Smith, Jr, JA",
        "Breast Exosome Consortium",
    ]
    assert not citation.authors_truncated
    assert pubmed_imported["29400002"].authors_truncated  # CompleteYN="N"


def test_identifiers_come_from_the_article_not_its_reference_list(pubmed_imported):
    first = pubmed_imported["31800001"]
    assert (first.doi, first.pmcid) == ("10.1002/1878-0261.12570", "PMC6885811")
    # No ELocationID: the DOI is in PubmedData's ArticleIdList.
    assert pubmed_imported["29400002"].doi == "10.1080/20013078.2018.1000002"
    # No DOI anywhere: saved by PMID, the reference list's DOI not taken.
    assert pubmed_imported["30100003"].doi is None
    assert not Citation.objects.filter(doi="10.1371/journal.pone.0095240").exists()


def test_titles_pages_types_and_retractions_are_read(pubmed_imported):
    first = pubmed_imported["31800001"]
    assert first.title == "Exosomal miR-221/222 transfer tamoxifen resistance to MCF-7 cells"
    assert (first.journal, first.volume, first.issue, first.pages) == ("Molecular oncology", "13", "12", "1234-1240")
    review = pubmed_imported["29400002"]
    assert review.title == "Extracellular vesicles in HER2-positive breast cancer: a review"
    assert review.publication_type == "review"
    retracted = pubmed_imported["30100003"]
    assert retracted.retracted and "Oncotarget. 2021;12:100 (PMID 33000004)" in retracted.retraction_note
    assert retracted.pages == "e95240"
    chapter = pubmed_imported["20300005"]
    assert (chapter.entry_type, chapter.journal, chapter.authors) == ("inbook", "Exosomes in Cancer", ["Ng, Mei"])


def test_reimporting_pubmed_creates_nothing(pubmed_imported):
    before = snapshot()
    report = run(("export.xml", PUBMED))
    assert report.ok and len(report.existing) == 4 and not report.created
    assert snapshot() == before


def test_a_paper_already_curated_by_doi_or_pmid_is_left_unchanged():
    by_doi = CitationFactory(doi="10.1002/1878-0261.12570", pmid=None, title="Curated title", abstract="")
    by_pmid = CitationFactory(doi=None, pmid="30100003", title="Another curated title")
    report = run(("export.xml", PUBMED))
    assert report.ok
    assert {c.pk for _, c in report.existing} == {by_doi.pk, by_pmid.pk}
    by_doi.refresh_from_db()
    assert (by_doi.title, by_doi.pmid, by_doi.abstract) == ("Curated title", None, "")
    assert Citation.objects.count() == 4


def test_the_same_pmid_twice_in_one_file_is_one_citation():
    report = run(("twice.xml", pubmed_set(pubmed_article("101"), pubmed_article("101"))))
    assert report.ok and len(report.duplicates) == 1
    duplicate = "duplicate: twice.xml, record 2 (PMID 101) is the same paper as twice.xml, record 1 (PMID 101)"
    assert duplicate in report.lines()
    assert Citation.objects.count() == 1


# --- MEDLINE, RIS, CSL-JSON --------------------------------------------------------


def test_medline_reads_continuation_lines_full_names_and_marked_identifiers():
    assert run(("pubmed.nbib", MEDLINE)).saved
    citation = Citation.objects.get(pmid="31800011")
    assert citation.title == (
        "Exosome-transmitted miR-567 reverses trastuzumab resistance by inhibiting ATG5 in breast cancer"
    )
    assert citation.abstract.startswith("BACKGROUND: Trastuzumab resistance is common. METHODS: Exosomes were")
    assert citation.abstract.endswith("from SKBR-3 cells. RESULTS: miR-567 reversed resistance.")
    # FAU (full names) win over AU; the consortium keeps its place.
    assert citation.authors == ["Çelik, Ayşe", "Jørgensen, Bjørn", "Breast Exosome Consortium", "李, 明"]
    assert (citation.doi, citation.pmcid, citation.pages) == ("10.1038/s41419-020-2250-5", "PMC6978267", "1234-1240")
    assert (citation.year, citation.journal) == (2019, "Cell death & disease")
    review = Citation.objects.get(pmid="30100012")
    assert (review.year, review.authors, review.publication_type, review.doi) == (2018, ["Roe, R"], "review", None)


def test_medline_names_without_full_names_are_stored_family_first():
    record = "PMID- 5\nTI  - T\nAU  - Doe J\nAU  - van der Berg H\nCN  - Breast Exosome Consortium\nAU  - Smith JA Jr\n"
    assert run(("au.nbib", record)).saved
    assert Citation.objects.get().authors == ["Doe, J", "van der Berg, H", "Breast Exosome Consortium", "Smith, Jr, JA"]


def test_ris_reads_repeated_authors_odd_years_and_both_doi_tags():
    assert run(("endnote.ris", RIS)).saved
    first = Citation.objects.get(doi="10.1186/s12943-019-1000-1")
    assert first.authors == ["Müller, Jörg", "Sørensen, Åse", "张, 伟"]  # A1 then AU
    assert (first.year, first.pages, first.pmid, first.journal) == (2019, "101-110", "31000021", "Molecular Cancer")
    assert first.abstract == "Exosomes carry H19. The abstract goes on over a second line."
    assert first.url == "https://example.org/h19"  # not the reference manager's internal-pdf:// link
    assert Citation.objects.get(doi="10.1186/s13058-020-0002-2").year == 2020  # "DOI - ", "2020/05/01/"
    chapter = Citation.objects.get(doi="10.1007/978-3-000-00003-3_1")  # from a doi.org UR
    assert (chapter.entry_type, chapter.journal) == ("inbook", "Exosomes in Cancer")


def test_ris_keeps_an_end_page_given_without_a_start_page():
    record = "TY  - JOUR\nTI  - Only EP\nEP  - e95240\nER  - \n\nTY  - JOUR\nTI  - Both\nSP  - 7\nEP  - 7\nER  - \n"
    assert run(("ep.ris", record)).saved
    assert dict(Citation.objects.values_list("title", "pages")) == {"Only EP": "e95240", "Both": "7"}


def test_csl_json_reads_date_parts_literal_names_and_particles():
    assert run(("zotero.json", CSL)).saved
    first = Citation.objects.get(pmid="29400031")
    assert first.authors == ["van der Berg, Hans", "Østergaard, Søren", "田中, 太郎", "The ExoResist Working Group"]
    assert (first.year, first.volume, first.pages) == (2018, "430", "101-110")
    assert (first.doi, first.pmcid, first.abstract) == (
        "10.1016/j.canlet.2018.01.001",
        "PMC5954081",
        "ANXA6 in exosomes.",
    )
    chapter = Citation.objects.get(title="Vesicles and efflux pumps")
    assert (chapter.year, chapter.entry_type, chapter.publisher) == (2017, "inbook", "Springer")


def test_records_without_identifiers_match_on_title_and_year_across_formats():
    CitationFactory(doi=None, pmid=None, title="Vesicles and efflux pumps", year=2017)
    report = run(("zotero.json", CSL))
    assert report.ok and len(report.existing) == 1
    assert Citation.objects.filter(title="Vesicles and efflux pumps").count() == 1


def test_the_same_paper_in_two_formats_is_one_citation():
    item = [{"type": "article-journal", "title": "Typed again", "DOI": "10.1002/1878-0261.12570"}]
    report = run(("export.xml", PUBMED), ("again.json", json.dumps(item)))
    assert report.saved and len(report.duplicates) == 1
    assert Citation.objects.filter(doi="10.1002/1878-0261.12570").get().pmid == "31800001"


# --- bad files ---------------------------------------------------------------------

ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f'<!ENTITY a{i} "{("&a;" if i == 0 else f"&a{i - 1};") * 10}">\n' for i in range(9))
    + "]>\n<PubmedArticleSet>&a8;</PubmedArticleSet>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    + pubmed_set(pubmed_article("5", "<ArticleTitle>&x;</ArticleTitle>"), head="")
)
BAD_FILES = [
    ("not-xml.xml", "Exosomes are vesicles.\nNot a reference file.", "not one ExoResist reads"),
    ("truncated.xml", pubmed_set(pubmed_article("1"))[:-40], "not well-formed XML"),
    ("other.xml", "<?xml version='1.0'?><ArticleSet><Article/></ArticleSet>", "not a PubMed export"),
    ("bomb.xml", ENTITY_BOMB, "declares XML entities"),
    ("xxe.xml", EXTERNAL_ENTITY, "declares XML entities"),
    (
        "notitle.xml",
        pubmed_set(pubmed_article("1"), pubmed_article("7", title="")),
        "record 2 (PMID 7): the record has no title",
    ),
    ("object.json", '{"title": "One item", "type": "article-journal"}', "a CSL-JSON file is a list of items"),
    ("broken.json", '[{"title": "T"', "not valid JSON"),
    ("item.json", '[{"type": "book"}]', "record 1: the record has no title"),
    ("badauthor.json", '[{"title": "T", "author": ["Doe"]}]', "an author is not a name object"),
    (
        "cut.ris",
        "TY  - JOUR\nTI  - Complete\nER  - \n\nTY  - JOUR\nTI  - Cut short\n",
        "line 5, record 2: this record has no 'ER  -' line",
    ),
    ("doi.ris", "TY  - JOUR\nID  - 9\nTI  - T\nDO  - 10.abc/x\nER  - \n", "record 1 (ID 9): '10.abc/x' is not a DOI"),
    ("year.ris", "TY  - JOUR\nTI  - T\nPY  - in press\nER  - \n", "the year 'in press' is not a year"),
    ("bad.nbib", "PMID- 1\nTI  - T\nthis line is neither\n", "line 3 is neither a field"),
    ("pmid.nbib", "PMID- 12ab\nTI  - T\n", "record 1 (PMID 12ab): '12ab' is not a PMID"),
    ("empty.ris", "", "the file is empty"),
    ("paper.pdf", b"%PDF-1.7\n%\xe2\xe3", "binary file"),
    ("latin1.ris", "TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"), "not UTF-8 (byte 0xe9 on line 2)"),
]


@pytest.mark.parametrize("name, payload, message", BAD_FILES, ids=[name for name, _, _ in BAD_FILES])
def test_a_bad_file_saves_nothing_and_says_where_and_why(name, payload, message):
    CitationFactory()
    before = snapshot()
    report = run(("good.xml", PUBMED), (name, payload))
    assert not report.saved
    problems = [str(problem) for problem in report.errors]
    assert any(name in problem and message in problem for problem in problems), problems
    assert snapshot() == before


def test_skip_invalid_saves_the_good_records_of_a_file():
    xml = pubmed_set(pubmed_article("1"), pubmed_article("7", title=""))
    report = run(("mixed.xml", xml), skip_invalid=True)
    assert report.saved and list(Citation.objects.values_list("pmid", flat=True)) == ["1"]
    assert "no title" in str(report.errors[0])


# --- commands ------------------------------------------------------------------------


def test_import_pubmed_saves_with_history_and_the_file_name(tmp_path):
    path = tmp_path / "pubmed-2026.xml"
    path.write_bytes(PUBMED)
    UserFactory(username="importer")
    call_command("import_pubmed", str(path), "--no-progress", "--user", "importer", verbosity=0)
    record = Citation.objects.get(pmid="31800001").history.get()
    assert record.history_user.username == "importer"
    assert "pubmed-2026.xml" in record.history_change_reason
    assert record.abstract.startswith("BACKGROUND:")


def test_the_dry_run_saves_nothing_and_says_what_would_be_created(tmp_path, capsys):
    path = tmp_path / "export.xml"
    path.write_bytes(PUBMED)
    call_command("import_pubmed", str(path), "--no-progress", "--dry-run")
    assert "dry run, nothing saved: 4 citations would be created" in capsys.readouterr().out
    assert not Citation.objects.exists()


def test_each_command_takes_its_own_formats_and_names_the_other(tmp_path, capsys):
    xml, ris = tmp_path / "export.xml", tmp_path / "refs.ris"
    xml.write_bytes(PUBMED)
    ris.write_bytes(RIS)
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_references", str(xml), "--no-progress")
    assert "this is a PubMed XML file; import it with `python manage.py import_pubmed FILE`" in capsys.readouterr().err
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_pubmed", str(ris), "--no-progress")
    assert "this is a RIS file; import it with `python manage.py import_references FILE`" in capsys.readouterr().err
    assert not Citation.objects.exists()
    for name, data in (("a.nbib", MEDLINE), ("b.ris", RIS), ("c.json", CSL)):
        (tmp_path / name).write_bytes(data)
    files = [str(tmp_path / name) for name in ("a.nbib", "b.ris", "c.json")]
    call_command("import_references", *files, "--no-progress", verbosity=0)
    assert Citation.objects.count() == 7


def test_the_progress_bar_advances_per_record():
    calls = []

    def progress(items, **kwargs):
        items = list(items)
        calls.append((kwargs.get("desc"), len(items)))
        return items

    run(("export.xml", PUBMED), ("refs.ris", RIS), progress=progress)
    assert ("reading export.xml", 4) in calls and ("reading refs.ris", 3) in calls and ("citations", 7) in calls


# --- the admin upload ------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("name, data", [("export.xml", PUBMED), ("a.nbib", MEDLINE), ("b.ris", RIS), ("c.json", CSL)])
def test_the_admin_upload_tells_the_format_from_the_content(admin_client, name, data):
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("upload.txt", data)})
    assert response.status_code == 200
    assert "citations created" in response.content.decode()
    citation = Citation.objects.order_by("pk").first()
    assert citation.history.get().history_user.username == "admin"


def test_an_upload_with_a_nul_character_says_where_it_is(admin_client):
    # A JSON escape, not a NUL byte: the database refused the title with a 500.
    data = json.dumps([{"title": "Fine"}, {"id": "item2", "title": "Exosomes\u0000", "type": "article-journal"}])
    assert "\\u0000" in data
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("zotero.json", data.encode())})
    assert response.status_code == 200
    assert "zotero.json, record 2 (id item2): the title field holds a NUL character" in response.content.decode()
    assert not Citation.objects.exists()


def _many(kind: str, n: int) -> bytes:
    if kind == "pubmed":
        return pubmed_set(*(pubmed_article(str(i + 1)) for i in range(n))).encode()
    if kind == "medline":
        return "".join(f"PMID- {i + 1}\nTI  - Paper {i}\n\n" for i in range(n)).encode()
    if kind == "ris":
        return "".join(f"TY  - JOUR\nTI  - Paper {i}\nER  - \n\n" for i in range(n)).encode()
    return json.dumps([{"title": f"Paper {i}"} for i in range(n)]).encode()


@pytest.mark.parametrize(
    "kind, command",
    [("pubmed", "import_pubmed"), ("medline", "import_references"), ("ris", "import_references"),
     ("csljson", "import_references")],
)  # fmt: skip
def test_an_upload_over_the_entry_cap_is_refused_whole(admin_client, settings, kind, command):
    settings.EXORESIST_WEB_BIBTEX_MAX_ENTRIES = 3
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("many", _many(kind, 4))})
    page = response.content.decode()
    assert "holds 4 entries; an upload takes at most 3" in page and f"manage.py {command}" in page
    assert not Citation.objects.exists()
    admin_client.post(UPLOAD, {"file": SimpleUploadedFile("few", _many(kind, 3))})
    assert Citation.objects.count() == 3


def test_an_upload_over_the_byte_cap_is_refused_before_it_is_read(admin_client, settings):
    settings.EXORESIST_MAX_UPLOAD_BYTES = 4096
    payload = _many("pubmed", 40)
    assert len(payload) > 4096
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("big.xml", payload)})
    assert response.status_code == 413
    assert not Citation.objects.exists()


# --- where the abstract shows ----------------------------------------------------------


def public_citation(**fields) -> Citation:
    return EvidenceFactory(citation=CitationFactory(**fields)).citation


def test_the_citation_page_shows_the_abstract_and_folds_a_long_one(client):
    short = public_citation(abstract="BACKGROUND: short.\nMETHODS: brief.")
    page = client.get(short.get_absolute_url()).content.decode()
    assert "BACKGROUND: short.<br>METHODS: brief." in page and '<details class="abstract">' not in page
    long = public_citation(abstract=" ".join(["exosome"] * 200))
    page = client.get(long.get_absolute_url()).content.decode()
    assert '<details class="abstract"><summary>Show the abstract (200 words)</summary>' in page


def test_the_api_citation_detail_carries_the_abstract(client):
    citation = public_citation(abstract="RESULTS: miR-221/222 reduced p27.")
    response = client.get(f"/api/v1/citations/{citation.pk}/")
    assert response.status_code == 200
    assert response.json()["abstract"] == "RESULTS: miR-221/222 reduced p27."


def test_an_upload_with_an_author_list_too_long_to_index_is_named_not_a_server_error(admin_client):
    """A consortium paper's 400 authors: the database refused the index entry and the upload was a 500."""
    rng = random.Random(7)
    names = [
        {"family": "".join(rng.choice(string.ascii_lowercase) for _ in range(8)).title(), "given": "A"}
        for _ in range(400)
    ]
    data = json.dumps([{"title": "Fine"}, {"id": "consortium", "title": "Big", "author": names}])
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("zotero.json", data.encode())})
    assert response.status_code == 200
    message = "zotero.json, record 2 (id consortium): its 400 authors make a list of 5,198 characters; at most 2,400"
    assert message in response.content.decode()
    assert not Citation.objects.exists()


@pytest.mark.parametrize(
    "payload, message",
    [
        (
            "[" * 100_000 + "]" * 100_000,
            "deep.json: the JSON is nested too deeply to be a CSL-JSON file (a list of items).",
        ),
        (
            '[{"title": "T", "issued": {"date-parts": [[1' + "0" * 5000 + "]]}}]",
            "deep.json: the file holds a number of more than 4,300 digits, which no CSL-JSON field takes.",
        ),
    ],
    ids=["nested", "long-number"],
)
def test_json_python_cannot_read_is_named_not_a_server_error(admin_client, payload, message):
    """RecursionError and ValueError ("Exceeds the limit (4300 digits)") escaped the reader: a 500."""
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("deep.json", payload.encode())})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Citation.objects.exists()
    report = run(("good.xml", PUBMED), ("deep.json", payload))
    assert not report.saved and [str(p) for p in report.errors] == [message]
    assert not Citation.objects.exists()


@pytest.mark.parametrize(
    "item, message",
    [
        (
            {"title": "T", "author": [{"family": ["Doe", "Roe"], "given": "J"}]},
            """an author's family is ["Doe", "Roe"], not text.""",
        ),
        (
            {"title": "T", "author": [{"literal": {"name": "WHO"}}]},
            """an author's literal is {"name": "WHO"}, not text.""",
        ),
        ({"title": "T", "DOI": {"value": "10.1000/x"}}, 'its DOI is {"value": "10.1000/x"}, not text.'),
    ],
    ids=["family-list", "literal-object", "doi-object"],
)
def test_a_csl_json_value_that_is_not_text_is_an_error_not_its_python_spelling(item, message):
    """Stored before: the author "['Doe', 'Roe'], J" and "{'name': 'WHO'}"; the DOI dropped without a word."""
    before = snapshot()
    report = run(("good.xml", PUBMED), ("zotero.json", json.dumps([{"id": "i1", **item}])))
    assert not report.saved
    assert [str(p) for p in report.errors] == [f"zotero.json, record 1 (id i1): {message}"]
    assert snapshot() == before


def test_an_empty_medline_author_is_no_author():
    """Stored before as an author "" (the label then read "Anon.")."""
    report = run(("x.nbib", "PMID- 123\nTI  - T.\nAU  - \nAU  - Doe J\nDP  - 2019\n"))
    assert report.saved, report.errors
    assert Citation.objects.get(pmid="123").authors == ["Doe, J"]


def test_medline_records_without_a_blank_line_between_are_each_read():
    """The second record was read into the first (its PMID, title and all lost): 1 citation of 2."""
    report = run(("x.nbib", "PMID- 1\nTI  - First paper.\nDP  - 2019\nPMID- 2\nTI  - Second paper.\nDP  - 2020\n"))
    assert report.saved, report.errors
    assert sorted(Citation.objects.values_list("pmid", "title", "year")) == [
        ("1", "First paper", 2019),
        ("2", "Second paper", 2020),
    ]
