"""load_seed on bad seed files: a clear error and nothing half-loaded."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from evidence.curation.seed import SEED_DIR
from evidence.models import Citation, Drug, Mechanism, TherapyClass

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_dir(tmp_path):
    for name in ("therapy_classes.yaml", "mechanisms.yaml", "cancer_types.yaml", "drug_classes.yaml"):
        shutil.copy(SEED_DIR / name, tmp_path / name)
    (tmp_path / "drugs.yaml").write_text(
        "- slug: doxorubicin\n  name: doxorubicin\n  aliases: [ADM, DOX, Adriamycin]\n"
        "  drug_class: anthracycline\n  therapy_class: chemotherapy\n  drugbank: DB00997\n"
    )
    for name in ("cargos.yaml", "cells.yaml", "citations.yaml", "evidence.yaml"):
        (tmp_path / name).write_text("[]\n")
    return tmp_path


def load(seed_dir):
    call_command("load_seed", "--no-progress", "--seed-dir", str(seed_dir), verbosity=0)


def test_it_loads_a_minimal_seed_and_resolves_aliases(seed_dir):
    load(seed_dir)
    assert Drug.objects.by_name("adriamycin").slug == "doxorubicin"
    assert TherapyClass.objects.filter(slug="her2-targeted").exists()
    assert Mechanism.objects.get(slug="efflux-pump-transfer").parent.slug == "drug-efflux"


def test_a_second_run_writes_nothing(seed_dir):
    load(seed_dir)
    history_rows = Drug.history.count() + Mechanism.history.count()
    load(seed_dir)
    assert Drug.history.count() + Mechanism.history.count() == history_rows


def test_it_keeps_aliases_curators_added(seed_dir):
    load(seed_dir)
    Drug.objects.get(slug="doxorubicin").aliases.create(name="Doxil")
    load(seed_dir)
    assert Drug.objects.by_name("Doxil").slug == "doxorubicin"


@pytest.mark.parametrize(
    "content, message",
    [
        ("- slug: x\n  name: [unclosed\n", "not valid YAML"),
        ("just a string\n", "must hold a list"),
        ("- slug: bad\n  name: bad\n  therapy_class: no-such-class\n", "unknown therapy class 'no-such-class'"),
        ("- slug: bad\n  name: bad\n  therapy_class: chemotherapy\n  drugbank: DB1\n", "drugbank"),
    ],
)
def test_a_bad_file_loads_nothing_and_says_why(seed_dir, content, message):
    (seed_dir / "drugs.yaml").write_text(content)
    with pytest.raises(CommandError, match=message):
        load(seed_dir)
    # Atomic: the therapy classes and mechanisms loaded before the bad file are rolled back.
    assert not TherapyClass.objects.exists()
    assert not Mechanism.objects.exists()


def test_a_missing_file_is_named(seed_dir):
    (seed_dir / "cells.yaml").unlink()
    with pytest.raises(CommandError, match="cells.yaml is missing"):
        load(seed_dir)


def test_an_evidence_item_pointing_at_an_unknown_citation_is_refused(seed_dir):
    (seed_dir / "evidence.yaml").write_text(
        "- key: e1\n  statement: s\n  citation: nobody2020\n  therapy_class: chemotherapy\n"
        "  effect: confers_resistance\n  evidence_type: predictive\n  level: D\n"
    )
    with pytest.raises(CommandError, match="unknown citation 'nobody2020'"):
        load(seed_dir)


def test_load_seed_fills_an_existing_database_without_duplicating(db):
    existing = Citation.objects.create(doi="https://doi.org/10.1038/S41419-020-2250-5", title="Han 2020 by hand")
    call_command("load_seed", "--no-progress", verbosity=0)
    existing.refresh_from_db()
    assert existing.bibtex_key == "han2020"
    assert existing.retracted
    assert Citation.objects.count() == 138


def test_a_paper_imported_by_its_pmid_alone_is_the_seeds_citation(seed_dir):
    # An import from a note ("PMID: 28039476") stores a paper without the seed's key or DOI; the
    # seed matched by key, then DOI, created a second row, and the PMID's unique constraint
    # stopped the deploy's migrate step with a traceback.
    imported = Citation.objects.create(title="Exosomes spread resistance", year=2017, pmid="28039476")
    (seed_dir / "citations.yaml").write_text(
        "- key: ning2017\n  doi: 10.1000/demo.ning2017\n  pmid: 28039476\n"
        "  title: Exosomes spread resistance\n  authors: ['Ning, K.']\n  year: 2017\n"
    )
    load(seed_dir)
    imported.refresh_from_db()
    assert (imported.bibtex_key, imported.doi) == ("ning2017", "10.1000/demo.ning2017")
    assert Citation.objects.count() == 1
