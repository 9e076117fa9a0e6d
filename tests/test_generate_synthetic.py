"""generate_synthetic fills a database for benchmarks: beside curated data, or from scratch."""

import pytest
from django.core.management import call_command

from evidence.models import Cargo, Evidence
from evidence.models.counts import counts_are_stale
from tests.test_evidence_counts import assert_counts_are_exact

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_adds_to_a_seeded_database_without_touching_the_seed():
    call_command("load_seed", "--no-progress", verbosity=0)
    seed_items, seed_mir155 = Evidence.objects.count(), Cargo.objects.get(symbol="hsa-miR-155-5p")
    call_command("generate_synthetic", "--evidence", "400", stdout=open("/dev/null", "w"))
    assert Evidence.objects.count() == seed_items + 400
    assert Cargo.objects.get(symbol="hsa-miR-155-5p") == seed_mir155
    assert not counts_are_stale()
    assert_counts_are_exact()


def test_flush_replaces_what_was_there():
    call_command("generate_synthetic", "--evidence", "200", stdout=open("/dev/null", "w"))
    call_command("generate_synthetic", "--evidence", "300", "--flush", stdout=open("/dev/null", "w"))
    assert Evidence.objects.count() == 300
