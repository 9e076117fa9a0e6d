import pytest

from tests.web.demo import build_demo


@pytest.fixture
def demo(db):
    """A small realistic data set (see tests/web/demo.py): 8 accepted items and one draft."""
    return build_demo()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached aggregates must not leak from one test's (rolled back) data to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
