import pytest

from tests.conftest import built_once
from tests.web.demo import build_demo


@pytest.fixture
def demo(db):
    """A small realistic data set (see tests/web/demo.py): 8 accepted items and one draft."""
    return build_demo()


@pytest.fixture(scope="module")
def demo_for_module(django_db_setup, django_db_blocker):
    """The demo built once for a module whose tests leave its objects as they are (``built_once``)."""
    yield from built_once(django_db_blocker, build_demo)


@pytest.fixture(autouse=True)
def _data_version_bumps_at_once(monkeypatch):
    """A test's transaction never commits, so the data version (bumped on commit in
    production) would never move; these tests are about what the pages show after a
    change, not about when the commit lands (tests/production covers that)."""
    from exoresist import data_version

    monkeypatch.setattr(data_version, "data_changed", lambda using=None: data_version.bump_version())
