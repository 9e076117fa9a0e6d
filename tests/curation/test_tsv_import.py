"""Bulk evidence import from TSV: the template, the row report, idempotence, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.choices import Status
from evidence.curation.bibtex import import_bibtex
from evidence.curation.tsv import COLUMN_NAMES, TsvError, import_evidence_tsv
from evidence.models import Citation, Evidence, EvidenceDrug, EvidenceRevision
from tests.factories import DrugFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
EXAMPLE = (FIXTURES / "evidence-example.tsv").read_bytes()


@pytest.fixture
def citations(vocabulary):
    report = import_bibtex([("evidence-example.bib", (FIXTURES / "evidence-example.bib").read_bytes())])
    assert report.ok, report.errors


def state():
    return (
        sorted(Evidence.objects.values_list("pk", "import_key", "version", "statement")),
        Evidence.history.count(),
        EvidenceRevision.objects.count(),
    )


def tsv(*rows: dict) -> bytes:
    lines = ["\t".join(COLUMN_NAMES)]
    base = dict(zip(COLUMN_NAMES, EXAMPLE.decode().splitlines()[1].split("\t"), strict=True))
    for row in rows:
        lines.append("\t".join({**base, **row}.get(name, "") for name in COLUMN_NAMES))
    return ("\n".join(lines) + "\n").encode()


def test_the_template_header_is_the_column_list():
    assert (FIXTURES / "evidence-template.tsv").read_text().rstrip("\n").split("\t") == COLUMN_NAMES


def test_the_example_imports_with_names_aliases_and_identifiers(citations, vocabulary):
    report = import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    assert report.ok and report.saved and report.created == 2
    item = Evidence.objects.get(import_key="chen2014-mir222-adm")
    assert item.status == Status.DRAFT
    assert [d.name for d in item.drugs.all()] == ["doxorubicin"]  # given as ADM
    assert [c.symbol for c in item.cargos.all()] == ["hsa-miR-222-3p"]  # given as miR-222
    assert item.source_cell.name == "MCF-7/ADR"
    assert item.citation.doi == "10.1371/journal.pone.0095240"
    assert item.secondary_source.doi == "10.3389/fbioe.2023.1214648"
    ning = Evidence.objects.get(import_key="ning2017-uchl1-adm")
    assert ning.citation.pmid == "28039476"
    assert ning.level == "B" and ning.subtype == "unspecified" and ning.cancer_type.name == "breast cancer"


def test_imported_items_have_history_with_their_cargos_and_drugs(citations):
    import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    item = Evidence.objects.get(import_key="chen2014-mir222-adm")
    record = item.history.get()
    assert record.history_type == "+"
    assert "evidence-example.tsv" in record.history_change_reason
    assert [row.drug.name for row in record.drugs.all()] == ["doxorubicin"]
    # The history row is a copy of the stored row, field for field.
    for field in ("statement", "level", "citation_id", "source_cell_id", "modified", "version", "import_key"):
        assert getattr(record, field) == getattr(item, field), field


def test_reimporting_changes_nothing(citations):
    import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    before = state()
    report = import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    assert report.unchanged == 2 and report.created == report.updated == 0
    assert state() == before


def test_a_changed_row_updates_a_draft_and_bumps_its_version(citations):
    import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    changed = {"level": "C", "drugs": "doxorubicin; ADM", "source_cell": "MCF-7", "statement": "Reworded."}
    report = import_evidence_tsv(tsv({"key": "chen2014-mir222-adm", **changed}), "v2")
    assert report.updated == 1
    item = Evidence.objects.get(import_key="chen2014-mir222-adm")
    assert item.level == "C" and item.version == 2
    assert item.source_cell.name == "MCF-7" and item.statement == "Reworded."
    assert Evidence.objects.filter(pk=item.pk).search("reworded").exists()  # the search document follows
    assert item.history.count() == 2
    latest = item.history.first()
    assert latest.history_type == "~" and latest.level == "C" and latest.version == 2
    assert sorted(row.drug.name for row in latest.drugs.all()) == ["doxorubicin"]
    # A second update on the same connection (the bulk update's temporary table is gone).
    # Its cargo replaced, its drug kept: the history records the links as they are now.
    v3 = tsv({"key": "chen2014-mir222-adm", **changed, "level": "B", "cargos": "UCH-L1"})
    assert import_evidence_tsv(v3, "v3").updated == 1
    item = Evidence.objects.get(pk=item.pk)
    assert item.version == 3 and [c.symbol for c in item.cargos.all()] == ["UCHL1"]
    latest = item.history.first()
    assert [row.cargo.symbol for row in latest.cargos.all()] == ["UCHL1"]
    assert [row.drug.name for row in latest.drugs.all()] == ["doxorubicin"]


def test_a_reimport_keeps_an_edit_made_since_and_refuses_a_row_changed_too(citations, curator):
    """An audit re-imported an unchanged file after a curator's edit: the edit was reverted."""
    from evidence.curation import workflow

    import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    item = Evidence.objects.get(import_key="chen2014-mir222-adm")
    workflow.edit_evidence(item, curator, {"level": "C"}, expected_version=item.version)
    workflow.submit(Evidence.objects.get(pk=item.pk), curator)
    before = state()
    report = import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    assert report.ok and report.unchanged == 2 and report.kept_edits == 1 and report.updated == 0
    assert "1 edited since the last import, kept" in report.summary()
    assert state() == before
    # The row changed as well: refused, naming the item; nothing saved.
    report = import_evidence_tsv(tsv({"key": "chen2014-mir222-adm", "statement": "Reworded."}), "v2")
    assert [(p.row, p.message.split(" was ")[0]) for p in report.errors] == [(2, item.public_id)]
    assert "statement" in report.errors[0].message and not report.saved
    assert state() == before
    # The other row was not edited since: its change is imported as before.
    ning = tsv({**dict(zip(COLUMN_NAMES, EXAMPLE.decode().splitlines()[2].split("\t"), strict=True)), "level": "C"})
    assert import_evidence_tsv(ning, "v3").updated == 1


def test_a_row_updates_an_item_submitted_since_its_import(citations, curator):
    # Submitting changes no content: the row's change is imported, the item back to draft.
    from evidence.curation import workflow

    import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    workflow.submit(Evidence.objects.get(import_key="chen2014-mir222-adm"), curator)
    assert import_evidence_tsv(tsv({"key": "chen2014-mir222-adm", "level": "C"}), "v2").updated == 1
    assert Evidence.objects.get(import_key="chen2014-mir222-adm").status == "draft"


def test_a_changed_row_sends_a_submitted_item_back_to_draft(citations):
    # As an edit in the admin or the API does: an editor must not accept content nobody submitted.
    import_evidence_tsv(EXAMPLE, "evidence-example.tsv", submit=True)
    item = Evidence.objects.get(import_key="chen2014-mir222-adm")
    assert item.status == "submitted"
    assert import_evidence_tsv(tsv({"key": "chen2014-mir222-adm", "level": "C"}), "v2").updated == 1
    item.refresh_from_db()
    assert (item.status, item.level) == ("draft", "C")
    assert item.history.first().status == "draft"


def test_a_changed_row_of_accepted_evidence_becomes_a_suggested_revision_once(citations):
    import_evidence_tsv(EXAMPLE, "evidence-example.tsv")
    Evidence.objects.filter(import_key="chen2014-mir222-adm").update(status=Status.ACCEPTED)
    changed = tsv({"key": "chen2014-mir222-adm", "level": "C"})
    assert import_evidence_tsv(changed, "v2").revisions == 1
    assert import_evidence_tsv(changed, "v2").revisions == 0
    revision = EvidenceRevision.objects.get()
    assert revision.proposed == {"level": "C"} and revision.original == {"level": "D"}
    assert Evidence.objects.get(import_key="chen2014-mir222-adm").level == "D"
    # Its creation is in its history, as for a revision proposed in the admin or the API.
    created = revision.history.get()
    assert created.history_type == "+" and created.history_change_reason == "Imported from TSV (v2)"


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_saved(citations):
    before = state()
    data = tsv(
        {"key": "ok-row"},
        {"key": "bad-drug", "drugs": "doxorubicin; notadrug"},
        {"key": "bad-level", "level": "Z"},
        {"key": "no-statement", "statement": ""},
        {"key": "bad-citation", "citation": "10.9999/unknown"},
        {"key": "bad-cell", "source_cell": "HeLa-X"},
        {"key": "ok-row"},
        {"key": "bad key!"},
        # As the admin and the API refuse it: saved, it made every later edit of the item fail.
        {"key": "long-statement", "statement": "x" * 2001},
    )
    report = import_evidence_tsv(data, "bad.tsv")
    assert not report.saved
    messages = [str(problem) for problem in report.errors]
    assert "row 3, column drugs: no drug called 'notadrug' (by name or alias)." in messages
    assert any(m.startswith("row 4, column level: 'Z' is not one of A – clinical trial, B – patient") for m in messages)
    assert "row 5, column statement: is required." in messages
    assert any(
        m.startswith("row 6, column citation: no citation with the DOI, PMID or BibTeX key '10.9999/unknown'")
        for m in messages
    )
    assert any(m.startswith("row 7, column source_cell: no cell called 'HeLa-X'") for m in messages)
    assert "row 8, column key: 'ok-row' is also the key of row 2." in messages
    assert any(m.startswith("row 9, column key:") for m in messages)
    assert "row 10, column statement: is 2001 characters long; at most 2000 fit." in messages
    assert state() == before


def test_choice_cells_take_every_name_the_filters_take(citations):
    """A curator's "Triple negative" was refused by the import while ?subtype=triple negative
    found the same findings: the import reads a cell through the filters' names."""
    DrugFactory(name="indometacin", slug="indometacin")
    report = import_evidence_tsv(
        tsv(
            {
                "key": "also-called",
                "subtype": "Triple negative",
                "level": "In Vitro",
                "effect": "Sensitises",
                "evidence_type": "FUNCTIONAL",
                "vesicle_involvement": "exosomal-transfer",
                "ev_type": "small EVs",
                "drugs": "ADM; indometacin (Inhibitor)",
            },
            {"key": "her2", "subtype": "HER2 positive", "cargos": "UCH-L1"},
        ),
        "names.tsv",
    )
    assert report.ok and report.saved, [str(problem) for problem in report.errors]
    item = Evidence.objects.get(import_key="also-called")
    assert (item.subtype, item.level, item.effect, item.evidence_type) == (
        "tnbc",
        "D",
        "reverses_resistance",
        "functional",
    )
    assert (item.vesicle_involvement, item.ev_type) == ("transfer_shown", "exosome")
    assert sorted(EvidenceDrug.objects.filter(evidence=item).values_list("drug__name", "role")) == [
        ("doxorubicin", "treatment"),
        ("indometacin", "modifier"),
    ]
    assert Evidence.objects.get(import_key="her2").subtype == "her2"


def test_a_value_no_filter_takes_is_a_row_error_listing_the_accepted_values_and_saves_nothing(citations):
    before = state()
    report = import_evidence_tsv(
        tsv({"key": "fine", "subtype": "TNBC"}, {"key": "typo", "subtype": "tripple negative"}), "typo.tsv"
    )
    assert not report.saved and state() == before
    assert [str(problem) for problem in report.errors] == [
        "row 3, column subtype: 'tripple negative' is not one of luminal / ER+, HER2+, "
        "tnbc (triple-negative), unspecified, not applicable (not breast cancer) (nor another usual name of one)."
        " Did you mean 'tnbc'?"
    ]


def test_a_citation_is_named_by_doi_pmid_or_bibtex_key_and_a_bare_number_is_a_pmid(citations):
    ning = Citation.objects.get(pmid="28039476")
    rows = [
        {"key": "by-doi-url", "citation": "https://doi.org/10.1002/JSO.24614"},
        {"key": "by-pmid", "citation": "28039476"},
        {"key": "by-pmid-prefix", "citation": "PMID: 28039476"},
        {"key": "by-key", "citation": "ning2017"},
    ]
    report = import_evidence_tsv(tsv(*rows), "cited.tsv", allow_duplicates=True)
    assert report.ok and report.created == 4
    assert set(Evidence.objects.values_list("citation_id", flat=True)) == {ning.pk}
    # The citation's id is what the API reads from a bare number; the file reads a PMID.
    report = import_evidence_tsv(tsv({"key": "by-id", "citation": str(ning.pk)}), "by-id.tsv")
    assert [str(problem) for problem in report.errors] == [
        f"row 2, column citation: no citation with the DOI, PMID or BibTeX key '{ning.pk}' (a bare number is a "
        "PMID); import it first (import_bibtex)."
    ]


def test_a_nul_character_past_the_first_bytes_is_a_row_error_not_a_database_error(citations):
    # PostgreSQL text cannot hold NUL: the statement failed the COPY, the citation its lookup.
    before = state()
    data = tsv(
        *({"key": f"row-{n}", "statement": f"Finding {n}."} for n in range(2, 46)),
        {"key": "nul-statement", "statement": "Exosomes carry\x00 miR-222."},
        {"key": "nul-citation", "citation": "10.1371/journal.pone.0095240\x00"},
    )
    assert data.index(b"\x00") > 4096
    report = import_evidence_tsv(data, "nul.tsv")
    assert not report.saved
    assert [str(problem) for problem in report.errors] == [
        "row 46, column statement: holds a NUL character (\\u0000), which text may not contain; remove it.",
        "row 47, column citation: holds a NUL character (\\u0000), which text may not contain; remove it.",
    ]
    assert state() == before


def test_a_name_of_several_cargos_is_a_row_error_not_a_guess(citations):
    from tests.factories import CargoFactory

    for arm in ("5p", "3p"):
        CargoFactory(symbol=f"hsa-miR-155-{arm}", slug=f"hsa-mir-155-{arm}", kind="mirna")
    before = state()
    report = import_evidence_tsv(tsv({"key": "which-arm", "cargos": "miR-155"}), "arm.tsv")
    assert not report.saved and state() == before
    assert [str(problem) for problem in report.errors] == [
        "row 2, column cargos: 'miR-155' names several cargo molecules: hsa-miR-155-3p; hsa-miR-155-5p; "
        "give one of these names."
    ]
    report = import_evidence_tsv(tsv({"key": "which-arm", "cargos": "miR-155-5p"}), "arm.tsv")
    assert report.saved, report.errors


def test_a_new_row_an_existing_item_records_is_refused_unless_allowed(citations, tmp_path):
    assert import_evidence_tsv(EXAMPLE, "evidence-example.tsv").saved
    first = Evidence.objects.get(import_key="chen2014-mir222-adm")
    before = state()
    # The same citation, cargo and drug under another key (a second curator, a copied row).
    again = tsv({"key": "copied-row"})
    for dry_run in (True, False):
        report = import_evidence_tsv(again, "again.tsv", dry_run=dry_run)
        assert not report.saved and state() == before
        assert [str(problem) for problem in report.errors] == [
            f"row 2: possible duplicate: {first.public_id} already record(s) this citation with the same cargo "
            "and drug. If the row is a different finding, import with --allow-duplicates."
        ]
    # Another cargo is another finding.
    assert import_evidence_tsv(tsv({"key": "other-cargo", "cargos": "UCH-L1"}), "other.tsv").saved
    path = tmp_path / "again.tsv"
    path.write_bytes(again)
    with pytest.raises(CommandError, match="Nothing was imported: 1 problems"):
        call_command("import_evidence", str(path), "--no-progress")
    call_command("import_evidence", str(path), "--allow-duplicates", "--no-progress")
    assert Evidence.objects.filter(import_key="copied-row").exists()


def test_a_row_repeating_an_earlier_new_row_of_the_file_is_refused_unless_allowed(citations):
    """Two keys, one finding (a row copied within the file): both were created, since the
    duplicate check only compared rows with stored items."""
    copied = tsv({"key": "first-copy"}, {"key": "other-cargo", "cargos": "UCH-L1"}, {"key": "second-copy"})
    report = import_evidence_tsv(copied, "copied.tsv")
    assert not report.saved and not Evidence.objects.exists()
    assert [str(problem) for problem in report.errors] == [
        "row 4: possible duplicate of row 2 of this file: the same citation, cargo and drug. If the row is a "
        "different finding, import with --allow-duplicates."
    ]
    assert import_evidence_tsv(copied, "copied.tsv", allow_duplicates=True).created == 3


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        ("key\tstatement\n\xe9".encode("latin-1"), "not UTF-8"),
        # Excel's "Unicode Text": it was called a binary file (a PDF, Word, zip or similar).
        ("key\tstatement\ncaf\xe9\tx\n".encode("utf-16"), "UTF-16 .*Save it as UTF-8"),
        (b"key\tstatement\tcolour\n", "unknown columns colour"),
        (b"key\tstatement\n", "missing required columns"),
        ("\t".join(COLUMN_NAMES).encode() + b"\n", "no rows"),
        # A data row pasted as the header: its cells named once each, and a few of them.
        ("\t".join(f"v{i}" for i in range(500)).encode() + b"\n", "unknown columns v0, .*, v9, and 490 more;"),
        (b"\t".join([b"a"] * 5000) + b"\n", "unknown columns a; missing"),
    ],
    ids=[
        "empty",
        "binary",
        "latin1",
        "utf16",
        "unknown-column",
        "missing-column",
        "no-rows",
        "pasted-row",
        "one-name-repeated",
    ],  # fmt: skip
)
def test_an_unusable_file_is_refused_whole(data, message, citations):
    with pytest.raises(TsvError, match=message):
        import_evidence_tsv(data, "x.tsv")
    assert not Evidence.objects.exists()


def test_the_command_exits_non_zero_with_the_row_report(tmp_path, citations, capsys):
    path = tmp_path / "bad.tsv"
    path.write_bytes(tsv({"key": "bad-level", "level": "Z"}))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_evidence", str(path), "--no-progress")
    assert "bad.tsv, row 2, column level" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no header row|empty"):
        (tmp_path / "empty.tsv").write_bytes(b"")
        call_command("import_evidence", str(tmp_path / "empty.tsv"), "--no-progress")


def test_the_command_submits_for_review_as_the_named_curator(tmp_path, citations, curator):
    path = tmp_path / "ok.tsv"
    path.write_bytes(EXAMPLE)
    call_command("import_evidence", str(path), "--no-progress", "--submit", "--user", "curator", verbosity=0)
    item = Evidence.objects.get(import_key="ning2017-uchl1-adm")
    assert item.status == Status.SUBMITTED and item.submitted_by == curator and item.created_by == curator
    assert item.history.get().history_user == curator


def test_the_queries_of_an_import_do_not_grow_with_its_rows(citations):
    """A query per new row (a field's default run by the model's constructor) made a 100,000-row
    import spend most of its time in round trips."""

    def queries(n: int, start: int) -> int:
        rows = tsv(*({"key": f"bulk-{start + i}"} for i in range(n)))
        with CaptureQueriesContext(connection) as captured:
            # The rows are one finding copied: the duplicate check (one query) would refuse them.
            report = import_evidence_tsv(rows, "bulk.tsv", allow_duplicates=True)
        assert report.ok and report.created == n
        return len(captured)

    assert queries(40, 0) == queries(2, 100)
    assert Evidence.objects.filter(import_key__startswith="bulk-", cancer_type__slug="breast-cancer").count() == 42


def test_a_quote_never_closed_does_not_swallow_the_rows_after_it(citations):
    """A curation note opening a quote read every later row into that note: 1 row imported, 1 lost."""
    lines = EXAMPLE.decode().splitlines()
    lines[1] = lines[1].rsplit("\t", 1)[0] + '\t"Example row: drugs'
    with pytest.raises(TsvError, match=r"x\.tsv, line 2: a double quote \(\"\) opens a cell that no quote closes"):
        import_evidence_tsv(("\n".join(lines) + "\n").encode(), "x.tsv")
    assert not Evidence.objects.exists()


def test_a_quote_closed_rows_later_is_a_row_error_naming_the_cell(citations):
    lines = EXAMPLE.decode().splitlines()
    lines[1] = lines[1].rsplit("\t", 1)[0] + '\t"Example row: drugs'
    lines[2] = lines[2].rsplit("\t", 1)[0] + '\tnote"'  # the second row's quote closes the first row's note
    report = import_evidence_tsv(("\n".join(lines) + "\n").encode(), "x.tsv")
    assert not report.saved and not Evidence.objects.exists()
    assert [str(p) for p in report.errors] == [
        'row 3, column curation_note: a double quote (") opens this cell and closes only lines later: the rows '
        "between, tabs and all, would be read into this one cell. Close the quote where the cell ends, or remove it."
    ]


def test_text_after_a_closing_quote_is_refused_not_read_without_the_quotes(citations):
    """'"Resistant" cells ...' was stored as 'Resistant cells ...'."""
    data = tsv({"statement": '"Resistant" cells transfer miR-222 to MCF-7 cells.'})
    with pytest.raises(TsvError, match=r"x\.tsv, line 2: a cell has text after its closing double quote"):
        import_evidence_tsv(data, "x.tsv")
    assert not Evidence.objects.exists()
    # Quoted as a spreadsheet writes it, the quotes are kept.
    report = import_evidence_tsv(tsv({"statement": '"""Resistant"" cells transfer miR-222 to MCF-7 cells."'}), "x.tsv")
    assert report.saved
    assert Evidence.objects.get().statement == '"Resistant" cells transfer miR-222 to MCF-7 cells.'


def test_a_cell_over_the_reader_limit_is_refused_without_a_traceback(citations):
    data = tsv({"source_quote": "x" * 200_000})
    with pytest.raises(TsvError, match=r"x\.tsv, line 2: a cell holds more than 131,072 characters"):
        import_evidence_tsv(data, "x.tsv")
    assert not Evidence.objects.exists()


def test_empty_cells_after_the_last_column_are_no_columns(citations):
    """A header ending in a tab was refused as having "unknown columns ." (an empty name, not shown);
    a row ending in empty cells as having "2 more cells than the header"."""
    data = tsv({}).replace(b"curation_note\n", b"curation_note\t\t\n")
    data = data.rstrip(b"\n") + b"\t \t\n"
    report = import_evidence_tsv(data, "x.tsv")
    assert report.saved and report.created == 1, report.errors
    # A column without a name between others is named by its place.
    header = "\t".join(COLUMN_NAMES[:3] + [""] + COLUMN_NAMES[3:])
    with pytest.raises(
        TsvError, match=r"x\.tsv, line 1: the header has unknown columns \(a column without a name, column 4\)\."
    ):
        import_evidence_tsv((header + "\n" + "\t".join(["k"] * (len(COLUMN_NAMES) + 1)) + "\n").encode(), "x.tsv")
    # A row whose extra cells hold text is refused as before.
    report = import_evidence_tsv(tsv({}).rstrip(b"\n") + b"\t\tstray\n", "x.tsv")
    assert [str(p) for p in report.errors] == [
        "row 2: the row has 2 more cells than the header (a tab inside a cell?)."
    ]
    assert Evidence.objects.count() == 1
