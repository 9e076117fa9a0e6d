import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Nothing cached by one test (pages, aggregates, API throttle counts) reaches the next."""
    cache.clear()
    yield
    cache.clear()


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


@pytest.fixture
def seeded(db):
    """The curated seed, loaded inside the test's transaction (rolled back after it)."""
    call_command("load_seed", "--no-progress", verbosity=0)
