import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Nothing cached by one test (pages, aggregates, API throttle counts) reaches the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _own_exports_dir(settings, tmp_path):
    """Exports kept per data version are written under the test's own directory."""
    settings.EXORESIST_EXPORTS_DIR = str(tmp_path / "exports")


@pytest.fixture
def curator(db):
    return UserFactory(username="curator", groups=["Curators"])


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=["Editors"])


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def built_once(django_db_blocker, build):
    """For a module-scoped fixture: what ``build()`` makes, kept for the whole module (as
    ``setUpTestData`` keeps a class's data). It is made in a transaction that is rolled back
    after the module's last test; each test runs in a savepoint inside it (``db``), so what a
    test writes is undone. The objects are shared: a module whose tests change them in memory
    builds its own per test instead."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def _seed_for_module(django_db_setup, django_db_blocker):
    """The curated seed, loaded once per module (a load took 5-8 s a test)."""
    yield from built_once(django_db_blocker, lambda: call_command("load_seed", "--no-progress", verbosity=0))


@pytest.fixture
def seeded(_seed_for_module, db):
    """The curated seed; what a test changes is rolled back after it."""
