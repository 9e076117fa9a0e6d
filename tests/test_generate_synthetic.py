"""generate_synthetic fills a database for benchmarks: beside curated data, or from scratch."""

import io

import pytest
from django.core.management import call_command

from evidence.choices import CargoKind
from evidence.management.commands.generate_synthetic import REAL_DRUGS
from evidence.models import Cargo, Drug, Evidence
from evidence.models.counts import counts_are_stale
from tests.factories import CargoFactory, DrugFactory
from tests.test_evidence_counts import assert_counts_are_exact

# The command ends with VACUUM, which cannot run inside a test's transaction.
# serialized_rollback: the flush after the test then leaves the tables empty for the next
# serialized test to restore; without it the flush re-creates the content types under new ids,
# and the next serialized test on the worker fails restoring the old ones.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_adds_to_curated_data_without_touching_it():
    # Curated miRNAs with the symbols the generator makes first (hsa-miR-1-5p, hsa-miR-1-3p, ...).
    curated = [
        CargoFactory(symbol=f"hsa-miR-{n}-{arm}", kind=CargoKind.MIRNA) for n in range(1, 6) for arm in ("5p", "3p")
    ]
    call_command("generate_synthetic", "--evidence", "400", stdout=io.StringIO())
    assert Evidence.objects.count() == 400
    for cargo in curated:
        assert Cargo.objects.get(symbol=cargo.symbol) == cargo
    assert not counts_are_stale()
    assert_counts_are_exact()


def test_a_second_run_adds_to_the_first():
    # The real drug names taken already, each run's ten drugs are synthetic: the second
    # run's must not repeat the first's.
    for name, *_ in REAL_DRUGS:
        DrugFactory(name=name)
    call_command("generate_synthetic", "--evidence", "400", stdout=io.StringIO())
    names = set(Drug.objects.values_list("name", flat=True))
    call_command("generate_synthetic", "--evidence", "400", stdout=io.StringIO())
    assert Evidence.objects.count() == 800
    assert names < set(Drug.objects.values_list("name", flat=True))
    assert not counts_are_stale()
    assert_counts_are_exact()


def test_flush_replaces_what_was_there():
    call_command("generate_synthetic", "--evidence", "200", stdout=io.StringIO())
    call_command("generate_synthetic", "--evidence", "300", "--flush", stdout=io.StringIO())
    assert Evidence.objects.count() == 300
