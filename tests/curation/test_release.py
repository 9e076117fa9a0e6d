"""Releases: frozen, checksummed, deterministic; a release imported into an empty database exports identically."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from evidence.choices import CellKind, Status
from evidence.curation.release import ReleaseError, export_release, import_release
from evidence.models import Cargo, Cell, Citation, Drug, Evidence, EvidenceDrug, Mechanism, TherapyClass
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
)

pytestmark = pytest.mark.django_db
DATE = dt.date(2026, 11, 25)


@pytest.fixture
def data():
    dox = DrugFactory(name="doxorubicin", slug="doxorubicin")
    DrugAliasFactory(entity=dox, name="ADM")
    mir = CargoFactory(symbol="hsa-miR-222-3p", slug="hsa-mir-222-3p", kind="mirna")
    CargoAliasFactory(entity=mir, name="miR-222")
    parent = CellFactory(name="MCF-7", slug="mcf-7")
    resistant = CellFactory(name="MCF-7/ADR", slug="mcf-7-adr", kind=CellKind.RESISTANT_LINE, parent=parent)
    root = MechanismFactory(slug="drug-efflux", name="Drug efflux")
    child = MechanismFactory(slug="abc-transfer", name="ABC transporter transfer", parent=root)
    review = CitationFactory(doi="10.3389/fbioe.2023.1214648", publication_type="review", authors=["Liu, L."])
    paper = CitationFactory(
        doi="10.1371/journal.pone.0095240",
        pmid="24740415",
        title="Exosomes transmit chemoresistance\twith a tab, a newline\nand Ümlauts",
        authors=["Chen, Wei-xian", "Müller, Jörg"],
        authors_truncated=True,
    )
    accepted = EvidenceFactory(
        status=Status.ACCEPTED,
        citation=paper,
        secondary_source=review,
        cargos=[mir],
        drugs=[dox],
        mechanisms=[child],
        source_cell=resistant,
        recipient_cell=parent,
        import_key="chen2014",
        reviewed_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )
    # A modifier: its role must survive the round trip through a release.
    EvidenceDrug.objects.create(
        evidence=accepted, drug=DrugFactory(name="indometacin", slug="indometacin"), role="modifier"
    )
    EvidenceFactory(status=Status.ACCEPTED, citation=paper)
    EvidenceFactory(status=Status.DRAFT, statement="A draft is never released.")
    return accepted


def read(path):
    return {file.name: file.read_bytes() for file in sorted(path.iterdir())}


def wipe():
    Evidence.objects.all().delete()
    Citation.objects.all().delete()
    for model in (Drug, Cargo):
        model.objects.all().delete()
    Cell.objects.filter(parent__isnull=False).delete()
    Cell.objects.all().delete()
    Mechanism.objects.filter(parent__isnull=False).delete()
    Mechanism.objects.all().delete()
    TherapyClass.objects.all().delete()


def test_a_release_holds_accepted_data_with_a_checksummed_manifest(data, tmp_path):
    path = export_release("2026.1", date=DATE, directory=tmp_path)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["version"] == "2026.1" and manifest["date"] == "2026-11-25"
    assert manifest["counts"]["evidence"] == 2 and manifest["counts"]["citations"] == 2
    for name, meta in manifest["files"].items():
        assert hashlib.sha256((path / name).read_bytes()).hexdigest() == meta["sha256"]
    assert set(manifest["files"]) == {
        "exoresist-2026.1.json",
        "evidence.tsv",
        "citations.tsv",
        "drugs.tsv",
        "cargos.tsv",
        "citations.bib",
    }
    assert "A draft is never released" not in (path / "exoresist-2026.1.json").read_text()
    evidence_rows = (path / "evidence.tsv").read_text().splitlines()
    assert len(evidence_rows) == 3 and all(
        len(r.split("\t")) == len(evidence_rows[0].split("\t")) for r in evidence_rows
    )
    assert "@article" in (path / "citations.bib").read_text()


def test_a_release_is_never_overwritten(data, tmp_path):
    export_release("2026.1", date=DATE, directory=tmp_path)
    with pytest.raises(ReleaseError, match="already exists"):
        export_release("2026.1", date=DATE, directory=tmp_path)
    with pytest.raises(ReleaseError, match="not a release version"):
        export_release("../evil", directory=tmp_path)


def test_a_release_imported_into_an_empty_database_exports_identically(data, tmp_path):
    first = export_release("2026.1", date=DATE, directory=tmp_path / "a")
    public_id = data.public_id
    wipe()
    counts = import_release(first)
    assert counts["evidence"] == 2
    second = export_release("2026.1", date=DATE, directory=tmp_path / "b")
    assert read(first) == read(second)
    again = Evidence.objects.get(pk=data.pk)
    assert again.public_id == public_id and again.status == Status.ACCEPTED
    record = again.history.first()  # the history of the wiped rows stays; this is the newest
    assert record.history_change_reason == "Imported from release 2026.1"
    assert [row.cargo.symbol for row in record.cargos.all()] == ["hsa-miR-222-3p"]
    assert {(row.drug.slug, row.role) for row in record.drugs.all()} == {
        ("doxorubicin", "treatment"),
        ("indometacin", "modifier"),
    }
    # New rows after an import get fresh ids, not ones the release used.
    assert EvidenceFactory().pk > data.pk


def test_importing_refuses_a_database_with_data_or_an_altered_release(data, tmp_path):
    path = export_release("2026.1", date=DATE, directory=tmp_path)
    with pytest.raises(ReleaseError, match="empty database"):
        import_release(path)
    wipe()
    (path / "drugs.tsv").chmod(0o644)
    (path / "drugs.tsv").write_text("tampered\n")
    with pytest.raises(ReleaseError, match="drugs.tsv does not match its checksum"):
        import_release(path)
    with pytest.raises(ReleaseError, match="not an ExoResist release"):
        import_release(tmp_path)
    assert not Drug.objects.exists()


def test_the_commands_export_and_refuse_to_overwrite(data, tmp_path):
    call_command("export_release", "v1", "--date", "2026-11-25", "--dir", str(tmp_path), verbosity=0)
    with pytest.raises(CommandError, match="frozen"):
        call_command("export_release", "v1", "--dir", str(tmp_path), verbosity=0)
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_release", str(tmp_path / "v1"), verbosity=0)


def test_the_downloads_page_lists_releases_and_serves_their_files(client, data, tmp_path):
    export_release("2026.1", date=DATE, directory=tmp_path)
    export_release("2026.2", date=dt.date(2026, 12, 1), directory=tmp_path)
    with override_settings(EXORESIST_RELEASES_DIR=str(tmp_path)):
        page = client.get(reverse("release_list")).content.decode()
        assert page.index("Release 2026.2") < page.index("Release 2026.1")
        assert "evidence.tsv" in page and "2 evidence items" in page
        response = client.get(reverse("release_file", args=["2026.1", "evidence.tsv"]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"public_id\t")
        assert client.get(reverse("release_file", args=["2026.1", "secret.txt"])).status_code == 404
        assert client.get(reverse("release_file", args=["..", "manifest.json"])).status_code == 404
        assert client.get(reverse("release_file", args=["9999", "manifest.json"])).status_code == 404


def test_downloads_says_how_to_make_the_first_release_and_links_every_live_export(client, data, tmp_path):
    """Issue 13: /downloads/ (the footer's link) was a 404, and /releases/ had no way to the exports."""
    with override_settings(EXORESIST_RELEASES_DIR=str(tmp_path / "none-yet")):
        response = client.get("/downloads/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "No release has been published yet" in page and "make release" in page
        for path in ("evidence", "citations", "drugs", "cargos", "cells", "mechanisms", "therapy-classes"):
            assert f'href="/api/v1/{path}/?format=csv"' in page and f'href="/api/v1/{path}/?format=tsv"' in page
        assert 'href="/api/v1/citations/?format=bibtex"' in page and 'href="/api/v1/docs/"' in page
        assert 'href="/downloads/">downloads</a>' in page  # the footer
        for link in ("/api/v1/evidence/?format=csv", "/api/v1/citations/?format=bibtex", "/api/v1/drugs/?format=tsv"):
            assert client.get(link).status_code == 200, link
    export_release("2026.1", date=DATE, directory=tmp_path)
    with override_settings(EXORESIST_RELEASES_DIR=str(tmp_path)):
        page = client.get("/downloads/").content.decode()
        manifest = json.loads((tmp_path / "2026.1" / "manifest.json").read_text())
        assert "release 2026.1" in page and manifest["files"]["evidence.tsv"]["sha256"] in page
