import pytest

from tests.web.demo import build_demo


@pytest.fixture
def demo(db):
    """A small realistic data set (see tests/web/demo.py): 8 accepted items and one draft."""
    return build_demo()
