import pytest
from django.core.exceptions import ImproperlyConfigured

from exoresist.env import env_bool, env_int, env_list


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)])
def test_it_parses_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


def test_it_refuses_an_unknown_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")


def test_it_refuses_a_bad_integer(monkeypatch):
    monkeypatch.setenv("X_INT", "12s")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)


def test_it_splits_lists(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.org, b.org,,")
    assert env_list("X_LIST") == ["a.org", "b.org"]


def test_start_up_stops_without_a_secret_key_when_debug_is_off(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "EXORESIST_INSECURE_DEV_KEY"}}
    env.update(DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="exoresist.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
