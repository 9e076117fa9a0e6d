"""BibTeX intake: real-world exports in, clear errors out, nothing half-saved."""

from __future__ import annotations

import random
import string

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.curation.bibtex import citations_to_bibtex, import_bibtex
from evidence.models import Citation
from tests.factories import CitationFactory, UserFactory

pytestmark = pytest.mark.django_db

ZOTERO = r"""
@comment{This file was created by Zotero}
@preamble{"\newcommand{\noopsort}[1]{}"}
@string{jev = "Journal of Extracellular Vesicles"}

@article{muller_exosomal_2020,
	title = {Exosomal {miR}-155 transfers {\textit{cis}}platin resistance to {MCF}-7 cells},
	volume = {9},
	issn = {2001-3078},
	url = {https://doi.org/10.1080/20013078.2020.1234567},
	doi = {10.1080/20013078.2020.1234567},
	number = {1},
	journal = jev,
	author = {M{\"u}ller, J{\"o}rg and Sch\"{o}n, Anna and Garc{\'\i}a, Jos{\'e}},
	month = mar,
	year = {2020},
	pages = {1234567--1234570},
	note = {PMID: 32128105},
}
"""

JABREF = r"""
% Encoding: UTF-8
@Article{Ning2017,
  author    = {Ning, Kai and Wang, Tao and Sun, Xiaojie and others},
  journal   = {Oncotarget},
  title     = {{UCH-L1}-containing exosomes mediate chemotherapeutic resistance transfer in breast cancer},
  year      = {2017},
  doi       = {doi:10.18632/ONCOTARGET.13871},
  pmid      = {pmid:28039476},
}

@Comment{jabref-meta: databaseType:bibtex;}
"""

SCHOLAR = r"""@article{chen2014exosomes,
  title={Exosomes from drug-resistant breast cancer cells transmit chemoresistance by a horizontal transfer
    of microRNAs},
  author={Chen, Wei-xian and Liu, Xiao-min and Lv, Meng-meng and Chen, Lin and Zhao, Jian-hua and Zhong, Shan-liang},
  journal={PloS one},
  volume={9},
  number={4},
  pages={e95240},
  year={2014},
  publisher={Public Library of Science}
}
"""

MENDELEY = r"""@article{Santos2018,
author = {Santos, Jo{\~{a}}o Crispim and Lima, Nath{\'{a}}lia da Silva},
doi = {https://dx.doi.org/10.1016/j.ejca.2018.01.001},
eprint = {29400005},
eprinttype = {pubmed},
journal = {European Journal of Cancer},
title = {{Exosome-mediated breast cancer chemoresistance via miR-155}},
year = {2018}
}
"""


def run(*texts: str | bytes, **kwargs):
    sources = [(f"file{n}.bib", t.encode() if isinstance(t, str) else t) for n, t in enumerate(texts, start=1)]
    return import_bibtex(sources, **kwargs)


def snapshot():
    return (
        sorted(Citation.objects.values_list("pk", "doi", "title")),
        Citation.history.count(),
    )


def test_it_reads_a_zotero_export_with_macros_accents_and_a_pmid_in_the_note():
    report = run(ZOTERO)
    assert report.ok and report.saved
    citation = Citation.objects.get()
    assert citation.title == "Exosomal miR-155 transfers cisplatin resistance to MCF-7 cells"
    assert citation.journal == "Journal of Extracellular Vesicles"
    assert citation.authors == ["Müller, Jörg", "Schön, Anna", "García, José"]
    assert citation.doi == "10.1080/20013078.2020.1234567"
    assert citation.pmid == "32128105"
    assert citation.pages == "1234567-1234570"
    assert citation.year == 2020
    assert citation.bibtex_key == "muller_exosomal_2020"


def test_it_normalises_prefixed_dois_and_pmids_and_keeps_et_al():
    run(JABREF, MENDELEY)
    ning = Citation.objects.get(bibtex_key="Ning2017")
    assert ning.doi == "10.18632/oncotarget.13871"
    assert ning.pmid == "28039476"
    assert ning.authors == ["Ning, Kai", "Wang, Tao", "Sun, Xiaojie"]
    assert ning.authors_truncated
    santos = Citation.objects.get(bibtex_key="Santos2018")
    assert santos.doi == "10.1016/j.ejca.2018.01.001"
    assert santos.pmid == "29400005"
    assert santos.authors == ["Santos, João Crispim", "Lima, Nathália da Silva"]
    assert santos.title == "Exosome-mediated breast cancer chemoresistance via miR-155"


def test_it_reads_a_google_scholar_export_with_authors_in_order():
    run(SCHOLAR)
    citation = Citation.objects.get()
    assert citation.authors[0] == "Chen, Wei-xian"
    assert citation.authors[-1] == "Zhong, Shan-liang"
    assert len(citation.authors) == 6
    assert citation.publisher == "Public Library of Science"
    assert citation.short_label == "Chen et al. (2014)"


def test_it_keeps_corporate_and_von_names_whole():
    run(r"""@article{who2020, title={T}, year={2020},
    author={{World Health Organization} and van der Berg, Hans and Smith, Jr., John and Jane Doe}}""")
    assert Citation.objects.get().authors == [
        "World Health Organization",
        "van der Berg, Hans",
        "Smith, Jr., John",
        "Doe, Jane",
    ]


def test_a_name_after_and_keeps_the_accent_it_starts_with():
    run(r"""@article{accents, title={T}, year={2020}, author={Smith, John and \L{}ukaszewski, Piotr and
    \AA{}str\"om, Karl AND \"Ozt\"urk, Deniz and \v{S}imon, Ana and {\'E}mile Zola and {Barnes and Noble}}}""")
    assert Citation.objects.get().authors == [
        "Smith, John",
        "Łukaszewski, Piotr",
        "Åström, Karl",
        "Öztürk, Deniz",
        "Šimon, Ana",
        "Zola, Émile",
        "Barnes and Noble",
    ]


def test_reimporting_creates_nothing_and_reports_what_is_already_there():
    run(ZOTERO, JABREF)
    before = snapshot()
    report = run(ZOTERO, JABREF)
    assert report.ok
    assert report.created == [] or not report.saved
    assert len(report.existing) == 2
    assert snapshot() == before


def test_an_existing_doi_is_not_overwritten():
    curated = CitationFactory(doi="10.18632/oncotarget.13871", title="Curated title", bibtex_key="ning")
    report = run(JABREF)
    assert [citation.pk for _, citation in report.existing] == [curated.pk]
    curated.refresh_from_db()
    assert curated.title == "Curated title"
    assert curated.pmid is None
    assert Citation.objects.count() == 1


def test_an_existing_pmid_is_already_there_too():
    CitationFactory(doi=None, pmid="28039476")
    report = run(JABREF.replace("doi:10.18632/ONCOTARGET.13871", ""))
    assert len(report.existing) == 1
    assert Citation.objects.count() == 1


def test_two_entries_with_the_same_doi_in_one_file_are_one_citation():
    second = (
        "@article{muller2020b, title={Same paper, typed again}, doi={https://doi.org/10.1080/20013078.2020.1234567}}"
    )
    text = ZOTERO + second
    report = run(text)
    assert report.ok
    assert Citation.objects.count() == 1
    assert len(report.duplicates) == 1
    assert "same paper" in report.lines()[-1]


PAPER_B = "@article{paperB, title={Paper B}, year={2020}, doi={10.1000/dupB}, pmid={99000012}}\n"
PAPER_C = "@article{paperC, title={Paper C, another}, year={2021}, doi={10.1000/dupC}, pmid={99000012}}\n"


def test_an_entry_repeating_a_pmid_with_another_doi_is_an_error_naming_both_entries():
    """Paper C was counted as a duplicate of Paper B and never created, with exit 0."""
    report = run(PAPER_B + PAPER_C)
    assert not report.saved and not report.duplicates
    assert [str(problem) for problem in report.errors] == [
        "file1.bib, line 2 (entry paperC): its PMID is also that of file1.bib, line 1 (entry paperB), "
        "whose DOI is 10.1000/dupb, not 10.1000/dupc. Check which identifier is right."
    ]
    assert not Citation.objects.exists()
    # As when Paper B is already in the database.
    run(PAPER_B)
    report = run(PAPER_C)
    assert "its PMID belongs to citation #" in str(report.errors[0]) and not report.saved


def test_an_entry_agreeing_with_a_stored_paper_but_not_with_its_repeat_is_an_error():
    stored = CitationFactory(doi="10.1000/dupb", pmid="99000012")
    report = run(PAPER_B + PAPER_B.replace("paperB", "again").replace("99000012", "99000013"))
    assert len(report.existing) == 1 and not report.saved
    assert (
        f"(entry again): its DOI is also that of file1.bib, line 1 (entry paperB), citation #{stored.pk}, "
        "whose PMID is 99000012, not 99000013." in str(report.errors[0])
    )


def test_a_repeat_that_adds_a_pmid_gives_it_to_the_citation():
    # The second entry's PMID was dropped; a later entry with only that PMID is the same paper too.
    third = "@article{c, title={B}, pmid={99000012}}"
    report = run(PAPER_B.replace(", pmid={99000012}", ""), PAPER_B.replace("paperB", "again"), third)
    assert report.saved and len(report.duplicates) == 2 and not report.errors
    assert Citation.objects.values_list("doi", "pmid").get() == ("10.1000/dupb", "99000012")


def test_a_repeat_whose_added_pmid_a_stored_paper_has_is_an_error():
    stored = CitationFactory(doi=None, pmid="99000012")
    report = run(PAPER_B.replace(", pmid={99000012}", ""), PAPER_B.replace("paperB", "again"))
    assert not report.saved
    assert f"(entry again): its PMID belongs to citation #{stored.pk}" in str(report.errors[0])
    assert "its other identifier is that of file1.bib, line 1 (entry paperB)" in str(report.errors[0])
    assert Citation.objects.count() == 1


def test_an_entry_with_the_doi_of_one_entry_and_the_pmid_of_another_is_an_error():
    text = "@article{a, title={A}, doi={10.1000/a}}\n@article{b, title={B}, pmid={123}}\n"
    report = run(text + "@article{c, title={C}, doi={10.1000/a}, pmid={123}}")
    assert not report.saved
    assert str(report.errors[0]) == (
        "file1.bib, line 3 (entry c): its DOI is also that of file1.bib, line 1 (entry a) and its PMID that of "
        "file1.bib, line 2 (entry b), two different papers. Check which identifier is right."
    )


def test_a_true_repeat_with_both_identifiers_stays_a_duplicate():
    report = run(PAPER_B + PAPER_B.replace("paperB", "again"))
    assert report.saved and len(report.duplicates) == 1 and Citation.objects.count() == 1


def test_entries_without_identifiers_are_matched_on_key_then_title_and_year():
    text = "@article{noid, title={A paper without identifiers}, year={2019}, author={Roe, R.}}"
    run(text)
    run(text)
    run(text.replace("noid", "otherkey"))
    assert Citation.objects.count() == 1


LIQUID_BIOPSIES = "@article{bardelli2017liquid, title={Liquid biopsies, what we do not know (yet)}, year={2017}}"


def test_an_entry_without_identifiers_finds_the_stored_paper_of_its_title_and_year_that_has_a_doi():
    """A Google Scholar entry (no DOI) duplicated the seeded paper, which has one."""
    stored = CitationFactory(
        doi="10.1016/j.ccr.2017.01.002", title="Liquid biopsies, what we do not know (yet)", year=2017, journal=""
    )
    report = run(LIQUID_BIOPSIES.replace("title=", "journal={Cancer Cell}, title="))
    assert report.ok and [citation.pk for _, citation in report.existing] == [stored.pk]
    assert Citation.objects.count() == 1 and Citation.objects.get().journal == ""  # left as it is
    assert not run(LIQUID_BIOPSIES.replace("2017", "2018")).existing  # another year: another paper


def test_an_entry_without_identifiers_repeating_one_with_a_doi_in_the_input_is_a_duplicate():
    with_doi = LIQUID_BIOPSIES.replace("bardelli2017liquid", "bardelli").replace("}}", "}, doi={10.1016/x.1}}")
    report = run(with_doi, LIQUID_BIOPSIES)
    assert report.saved and len(report.duplicates) == 1
    assert Citation.objects.get().doi == "10.1016/x.1"


def test_matching_entries_without_identifiers_takes_one_query_whatever_their_number(django_assert_num_queries):
    def entries(n):
        return "".join(f"@article{{t{i}, title={{Paper {i}}}, year={{2020}}}}\n" for i in range(n))

    CitationFactory.create_batch(3, doi=None, pmid=None)
    for i in range(20):
        CitationFactory(title=f"Paper {i}", year=2020, doi=f"10.1000/t.{i}")
    run(entries(1), dry_run=True)  # fills the caches a first import reads
    with CaptureQueriesContext(connection) as few:
        assert len(run(entries(2), dry_run=True).existing) == 2
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(run(entries(20), dry_run=True).existing) == 20


def test_a_key_taken_by_another_paper_is_dropped_with_a_warning():
    CitationFactory(bibtex_key="Ning2017", doi="10.1000/other")
    report = run(JABREF)
    assert report.ok
    assert "already belongs to citation" in str(report.warnings[0])
    assert Citation.objects.get(doi="10.18632/oncotarget.13871").bibtex_key is None


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "the file is empty"),
        (b"   \n\n  ", "the file is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file"),
        (b"\x00\x01\x02@article{x, title={y}}", "binary file"),
        ("@article{latin, title={Caf\xe9}, year={2020}}".encode("latin-1"), "not UTF-8 (byte 0xe9 on line 1)"),
        (b"% only a comment\n", "holds no BibTeX entries"),
        ("\ufeff@article{x, title={Caf\xe9}}".encode("utf-16-le"), "UTF-16 (Excel's"),
        ("@article{x, title={y}}".encode("utf-16-be"), "not UTF-8. Save it as UTF-8"),
    ],
    ids=["empty", "blank", "pdf", "nul", "latin1", "no-entries", "utf16-bom", "utf16-no-bom"],
)
def test_a_file_that_is_not_bibtex_is_refused_with_a_clear_error(payload, message):
    CitationFactory()
    before = snapshot()
    report = run(ZOTERO, payload)
    assert not report.saved
    assert any(message in str(problem) and "file2.bib" in str(problem) for problem in report.errors), report.errors
    assert snapshot() == before


BAD_ENTRIES = [
    (
        "@article{unbalanced, title = {Exosomes {carry, year={2020}}\n\n@article{next, title={Fine}, year={2020}}",
        "line 1 (entry unbalanced)",
        "unbalanced braces",
    ),
    ("@article{baddoi, title={T}, doi={10.abc/not-a-doi}, year={2020}}", "entry baddoi", "is not a DOI"),
    ("@article{badpmid, title={T}, pmid={12ab}, year={2020}}", "entry badpmid", "is not a PMID"),
    ("@article{notitle, year={2020}}", "entry notitle", "has no title"),
    ("@article{badyear, title={T}, year={twenty}}", "entry badyear", "is not a year"),
    ("@article{a1, title={T}, year={2020}}\n@article{a1, title={U}, year={2021}}", "line 2 (entry a1)", "used twice"),
    ("@article{badname, title={T}, author={Doe, John, Jr., Extra}}", "entry badname", "name cannot be read"),
    # One closing brace too many ends the entry early; BibTeX would drop the year silently.
    ("@article{extra, title={T}}}, year={2020}}", "line 1 (entry extra)", "closing brace with no opening one"),
    # No comma after a value: bibtexparser reads the next field as part of it (the DOI was lost).
    (
        "@article{nocomma,\n  title = {UCH-L1-containing exosomes}\n  doi = {10.1002/jso.24614},\n  year = {2017}\n}",
        "line 1 (entry nocomma)",
        "a comma is missing after the title field: the doi field on line 3",
    ),
    ('@article{nocomma2,\n  title = "T", year = 2017\n  journal = jev}', "entry nocomma2", "after the year field"),
]


@pytest.mark.parametrize("text, where, message", BAD_ENTRIES, ids=[m for _, _, m in BAD_ENTRIES])
def test_a_bad_entry_stops_the_whole_import_and_is_named(text, where, message):
    before = snapshot()
    report = run(ZOTERO + "\n" + "\n" * 0, text)
    assert not report.saved
    problem = " ".join(str(p) for p in report.errors)
    assert message in problem and where in problem, problem
    assert snapshot() == before


def test_a_missing_comma_does_not_merge_a_doi_into_the_title_of_a_duplicate():
    CitationFactory(doi="10.1002/jso.24614", title="UCH-L1-containing exosomes mediate resistance")
    before = snapshot()
    report = run(
        "@article{ning2017,\n  title = {UCH-L1-containing exosomes mediate resistance}\n  doi = {10.1002/jso.24614}\n}"
    )
    assert not report.saved
    assert "file1.bib, line 1 (entry ning2017): a comma is missing after the title field" in str(report.errors[0])
    assert snapshot() == before


def test_an_equals_sign_inside_braces_or_quotes_is_text_not_a_missing_comma():
    report = run('@article{eq, title = {Uptake at pH = 6.5}, journal = "Acta {A = B}", year = 2020}')
    assert report.saved, report.errors
    assert Citation.objects.filter(title="Uptake at pH = 6.5", journal="Acta A = B").exists()


def test_skip_invalid_saves_the_good_entries_and_reports_the_rest():
    report = run(ZOTERO, BAD_ENTRIES[1][0], skip_invalid=True)
    assert report.saved
    assert Citation.objects.count() == 1
    assert "is not a DOI" in str(report.errors[0])


def test_the_command_exits_non_zero_and_saves_nothing_on_bad_input(tmp_path, capsys):
    good, bad = tmp_path / "good.bib", tmp_path / "bad.bib"
    good.write_text(ZOTERO, encoding="utf-8")
    bad.write_text(BAD_ENTRIES[1][0], encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_bibtex", str(good), str(bad), "--no-progress")
    assert "bad.bib, line 1 (entry baddoi)" in capsys.readouterr().err
    assert not Citation.objects.exists()
    with pytest.raises(CommandError, match="were skipped"):
        call_command("import_bibtex", str(good), str(bad), "--no-progress", "--skip-invalid")
    assert Citation.objects.count() == 1


def test_the_command_suggests_skip_invalid_only_when_some_entries_are_good(tmp_path):
    good, bad, pdf = tmp_path / "good.bib", tmp_path / "bad.bib", tmp_path / "paper.pdf"
    good.write_text(ZOTERO, encoding="utf-8")
    bad.write_text(BAD_ENTRIES[1][0], encoding="utf-8")
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3")

    def refused(*files):
        with pytest.raises(CommandError) as raised:
            call_command("import_bibtex", *map(str, files), "--no-progress")
        return str(raised.value)

    # A file refused whole, or only bad entries: skipping the invalid would save nothing.
    whole_file = refused(pdf)
    assert "Fix the problems above." in whole_file and "skip-invalid" not in whole_file
    assert "skip-invalid" not in refused(bad)
    assert "or use --skip-invalid to save the others" in refused(good, pdf)
    call_command("import_bibtex", str(good), "--no-progress", verbosity=0)
    assert "skip-invalid" not in refused(good, bad)  # the good entry is already there


def test_the_command_reports_a_missing_file_without_a_traceback(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_bibtex", str(tmp_path / "missing.bib"), "--no-progress")


def test_the_command_records_who_imported_and_why(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(SCHOLAR, encoding="utf-8")
    curator = UserFactory(username="importer")
    call_command("import_bibtex", str(path), "--no-progress", "--user", "importer", verbosity=0)
    record = Citation.objects.get().history.get()
    assert record.history_user == curator
    assert "refs.bib" in record.history_change_reason


def test_a_written_citation_reads_back_as_the_same_record():
    fields = dict(
        bibtex_key="han2020",
        doi="10.1038/s41419-020-2250-5",
        pmid="31980596",
        pmcid="PMC6978267",
        title="Exosome-transmitted miR-567 reverses trastuzumab resistance by inhibiting ATG5 in breast cancer",
        authors=["Han, Mingli", "Hu, Jing", "Müller, Jörg", "World Health Organization"],
        authors_truncated=True,
        journal="Cell Death & Disease",
        year=2020,
        volume="11",
        issue="1",
        pages="43-51",
        publisher="Nature Publishing Group",
        url="https://www.nature.com/articles/s41419-020-2250-5",
        abstract="Trastuzumab resistance (50% of patients) remains a problem.",
        publication_type="review",
        retracted=True,
        retraction_note="Retracted in 2023 (image duplication).",
        entry_type="article",
    )
    assert_round_trip(fields)


def assert_round_trip(fields: dict) -> None:
    """A citation of ``fields`` exported to BibTeX and imported again has every one of them."""
    original = CitationFactory(**fields)
    text = citations_to_bibtex([original])
    original.delete()
    report = run(text)
    assert report.ok, report.errors
    copy = Citation.objects.get()
    for name, value in fields.items():
        assert getattr(copy, name) == value, name


def test_latex_special_characters_and_abstract_lines_survive_the_round_trip():
    fields = dict(
        title=r"Exosomes of ~100 nm carry 5% of miR-21_3p & {HER2} at 10^6 cells/$ per mL: #1 of C:\data",
        authors=["Łukaszewski, Piotr", "Öztürk, Deniz", "O~Brien, A_b", "Barnes & Noble {Inc.}"],
        journal="Cell Death & Disease",
        pages="e95240-e95251",
        doi="10.1002/(sici)1097-0142(19990101)85:1<1::aid-cncr1>3.0.co;2-x",
        abstract="BACKGROUND: Exosomes of ~100 nm.\nMETHODS: 50% of {cells}, $10^6$.\nRESULTS: Resistance rose.",
    )
    assert_round_trip(fields)


def test_a_large_file_is_saved_in_bulk_not_row_by_row(django_assert_max_num_queries):
    text = "".join(
        f"@article{{k{i}, title={{Paper {i}}}, author={{Doe, J.}}, year={{2020}}, doi={{10.1000/x.{i}}}}}\n"
        for i in range(1200)
    )
    with django_assert_max_num_queries(1200 // 10):
        report = run(text)
    assert report.saved and Citation.objects.count() == 1200


def test_the_progress_bar_advances_while_the_file_is_read_not_only_at_the_end():
    calls = []

    def progress(items, **kwargs):
        items = list(items)
        calls.append((kwargs.get("desc"), len(items)))
        return items

    text = "".join(f"@article{{k{i}, title={{Paper {i}}}, year={{2020}}, doi={{10.1000/p.{i}}}}}\n" for i in range(50))
    report = run(text, progress=progress)
    assert report.saved and len(report.created) == 50
    # Reading (LaTeX decoding and checking, most of the time a large file takes) is per block.
    assert ("reading file1.bib", 50) in calls and ("citations", 50) in calls


def test_the_progress_bar_advances_while_the_file_is_split_into_entries():
    # Splitting the text into entries (bibtexparser's Splitter) comes before any entry exists.
    advances = []

    class Bar(list):
        def update(self, n):
            advances.append(n)

        def close(self):
            advances.append("closed")

    def progress(items, **kwargs):
        if not kwargs.get("desc", "").startswith("splitting"):
            return items
        advances.append(kwargs["total"])
        return Bar()

    text = "".join(
        f"@article{{k{i}, title={{A rather long paper title number {i}}}, year={{2020}}, doi={{10.1000/s.{i}}}}}\n"
        for i in range(2000)
    )
    report = run(text, progress=progress)
    assert report.saved and len(report.created) == 2000
    total, *steps, closed = advances
    assert closed == "closed" and total >= len(text)
    assert len(steps) > 1 and sum(steps) == total


def _entries(n: int) -> bytes:
    return "".join(
        f"@article{{k{i}, title={{Paper {i}}}, author={{Doe, J.}}, year={{2020}}, doi={{10.1000/n{i}}}}}\n"
        for i in range(n)
    ).encode()


def test_a_nul_character_in_an_entry_is_named_and_nothing_is_saved():
    # Past the first 4 KB (where a NUL means a binary file): it failed the database lookup.
    text = (
        _entries(80)
        .replace(b"Paper 60", b"Paper\x00 60")
        .replace(b"Doe, J.}, year={2020}, doi={10.1000/n63}", b"Doe, \x00J.}, year={2020}, doi={10.1000/n63}")
    )
    assert text.index(b"\x00") > 4096
    report = run(text)
    assert not report.saved
    nul = "holds a NUL character (\\u0000), which text may not contain; remove it."
    assert [str(problem) for problem in report.errors] == [
        f"file1.bib, line 61 (entry k60): the title field {nul}",
        f"file1.bib, line 64 (entry k63): the authors field {nul}",
    ]
    assert not Citation.objects.exists()


def test_an_upload_with_too_many_entries_is_refused_whole_and_points_to_the_command(client, settings):
    """Issue 15, item 8: a 100k-entry upload ran past the worker timeout (a bare 500)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EXORESIST_WEB_BIBTEX_MAX_ENTRIES = 3
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    upload = SimpleUploadedFile("many.bib", b"@string{j = {J}}\n@comment{x}\n" + _entries(4))
    response = client.post("/admin/evidence/citation/import-bibtex/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "holds 4 entries; an upload takes at most 3" in page and "manage.py import_bibtex" in page
    assert not Citation.objects.exists()
    upload = SimpleUploadedFile("few.bib", _entries(3))
    client.post("/admin/evidence/citation/import-bibtex/", {"file": upload})
    assert Citation.objects.count() == 3


def test_the_command_has_no_entry_limit(tmp_path, settings):
    settings.EXORESIST_WEB_BIBTEX_MAX_ENTRIES = 3
    path = tmp_path / "many.bib"
    path.write_bytes(_entries(5))
    call_command("import_bibtex", str(path), "--no-progress", verbosity=0)
    assert Citation.objects.count() == 5


def test_string_macros_that_would_explode_are_refused_before_expansion():
    """One 1 MB @string used 150 times took a worker from 174 to 665 MB."""
    big = "@string{big = {" + "x" * 1_000_000 + "}}\n"
    uses = "".join(
        f"@article{{k{i}, title=big, author={{Doe, J.}}, year={{2020}}, doi={{10.1000/b{i}}}}}\n" for i in range(150)
    )
    report = import_bibtex([("bomb.bib", (big + uses).encode())])
    assert not report.ok and not report.saved
    assert "@string macros would expand it to more than 4 MB" in str(report.errors[0])
    chained = (
        "@string{a = {"
        + "y" * 1000
        + "}}\n"
        + "".join(f"@string{{a{i} = a{i - 1 if i else ''} # a{i - 1 if i else ''}}}\n" for i in range(14))
    )
    report = import_bibtex([("chain.bib", (chained + "@article{c, title=a13, year={2020}}\n").encode())])
    assert "would expand" in str(report.errors[0])
    assert not Citation.objects.exists()


def test_ordinary_macros_still_expand():
    report = import_bibtex([("ok.bib", ZOTERO.encode())])
    assert report.ok, report.errors
    assert Citation.objects.get(doi="10.1080/20013078.2020.1234567").journal == "Journal of Extracellular Vesicles"


def _words(n: int, seed: int) -> list[str]:
    """Words that do not compress, as real titles and names do not: repeated letters would fit an index."""
    rng = random.Random(seed)
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def _entry(key: str, **fields: str) -> str:
    return f"@article{{{key}, " + ", ".join(f"{name}={{{value}}}" for name, value in fields.items()) + "}"


LONG_ENTRIES = [
    (_entry("longtitle", title=" ".join(_words(400, 1)), year="2020"), "the title is 2,", "at most 2,000 fit"),
    (
        _entry("consortium", title="T", author=" and ".join(f"{w.title()}, {w[0].upper()}." for w in _words(400, 2))),
        "its 400 authors make a list of",
        "at most 2,400 fit (fewer for non-Latin letters). Keep the first authors and mark the list as cut short",
    ),
    (
        # The first family name is indexed with the title.
        _entry("longname", title=" ".join(_words(280, 3)), author="".join(_words(150, 6)) + ", A."),
        "author 1 (",
        "at most 300 fit",
    ),
]


@pytest.mark.parametrize("text, start, message", LONG_ENTRIES, ids=["title", "authors", "author"])
def test_a_title_or_author_list_too_long_for_the_indexes_is_named_not_a_database_error(text, start, message):
    """The database refused the import (OperationalError: index row size ... exceeds btree maximum 2704)."""
    before = snapshot()
    report = run(ZOTERO, text)
    assert not report.saved
    [problem] = report.errors
    assert str(problem).startswith(f"file2.bib, line 1 (entry {text[9 : text.index(',')]}): {start}"), problem
    assert message in str(problem), problem
    assert snapshot() == before
    # A long but ordinary author list and title are fine.
    authors = " and ".join(f"{w.title()}, A." for w in _words(60, 4))
    assert run(_entry("fine", title=" ".join(_words(150, 5)), author=authors, year="2020")).saved


@pytest.mark.parametrize(
    "author, stored",
    [
        ("and", []),
        (" and  and ", []),
        ("{}", []),
        ("Smith, J. and and Doe, A.", ["Smith, J.", "Doe, A."]),
        ("Smith, J. and", ["Smith, J."]),
        ("and Smith, J.", ["Smith, J."]),
        ("Smith, J. and {} and Doe, A.", ["Smith, J.", "Doe, A."]),
        ("{Barnes and Noble} and Doe, A.", ["Barnes and Noble", "Doe, A."]),
    ],
)
def test_a_stray_and_or_an_empty_name_is_no_author(author, stored):
    """Stored before: an author "and", "and Doe, A.", "Smith, J. and", or an empty name ""."""
    report = run(_entry("k", title="T", author=author, year="2020"))
    assert report.saved, report.errors
    citation = Citation.objects.get()
    assert citation.authors == stored
    assert citation.author_string == "; ".join(stored)


MACROS = '@string{jev = "Journal of Extracellular Vesicles"}\n@string{full = jev # {, Special Issue}}\n'


@pytest.mark.parametrize(
    "journal, stored",
    [
        ('jev # " (Online)"', "Journal of Extracellular Vesicles (Online)"),
        ('"The " # jev', "The Journal of Extracellular Vesicles"),
        ("full", "Journal of Extracellular Vesicles, Special Issue"),
        ("{Oncotarget}", "Oncotarget"),
    ],
)
def test_macros_are_joined_with_hash_and_may_be_made_of_macros(journal, stored):
    """Stored before: 'jev # " (Online)"', '"The " # jev' and "jev" (bibtexparser expands a macro alone)."""
    report = run(MACROS + f"@article{{k, title={{T}}, journal = {journal}, year={{2020}}}}")
    assert report.saved, report.errors
    assert Citation.objects.get().journal == stored


@pytest.mark.parametrize(
    "strings, journal, message",
    [
        ("", "jevv", "the journal field uses the @string macro jevv, which the file does not define."),
        (
            "@string{loop = loop}\n",
            "loop",
            "the journal field uses the @string macro loop, which cannot be expanded: "
            "the @string macro loop is defined by itself.",
        ),
        (
            "@string{a = b}\n@string{b = a}\n",
            "b",
            "the journal field uses the @string macro b, which cannot be expanded: the @string macro b uses the "
            "@string macro a, which cannot be expanded: the @string macro a uses the @string macro b, which the "
            "file does not define before it.",
        ),
    ],
    ids=["undefined", "itself", "each-other"],
)
def test_an_undefined_or_self_referring_macro_is_an_error_not_its_name(strings, journal, message):
    """Stored before as the journal "jevv", "loop" and "a"."""
    before = snapshot()
    report = run(ZOTERO, MACROS + strings + f"@article{{k, title={{T}}, journal = {journal}, year={{2020}}}}")
    assert not report.saved
    [problem] = report.errors
    assert str(problem).startswith("file2.bib, line "), problem
    assert f"(entry k): {message}" in str(problem), problem
    assert snapshot() == before


@pytest.mark.parametrize(
    "fields, message",
    [
        ("doi={10.1000/x}, DOI={10.1000/y}", "the field doi (and as DOI) is given twice"),
        ("year={2019}, year={2020}", "the field year is given twice"),
    ],
    ids=["other-case", "same-case"],
)
def test_a_field_given_twice_is_named(fields, message):
    """Before: "doi" and "DOI" kept the second DOI without a word; "year" twice was "not well-formed
    BibTeX, most often because of unbalanced braces ... available as `failed_block.ignore_error_block`"."""
    before = snapshot()
    report = run(ZOTERO, f"@article{{k, title={{T}}, {fields}}}")
    assert not report.saved
    assert [str(p) for p in report.errors] == [
        f"file2.bib, line 1 (entry k): {message}; keep the right one and remove the other."
    ]
    assert snapshot() == before


def test_a_bare_address_or_identifier_is_read_as_before_not_as_a_macro():
    """Unbraced values that are no word (invalid BibTeX some scripts write) were read as they are;
    the stricter macro reading must not turn them into "undefined macro" errors."""
    report = run("@article{k, title={T}, url = https://example.org/paper, doi = 10.1000/xyz, year = 2019}")
    assert report.saved, report.errors
    citation = Citation.objects.get()
    assert (citation.url, citation.doi, citation.year) == ("https://example.org/paper", "10.1000/xyz", 2019)
