"""docker-compose.yml stays valid and consistent with what the settings read (Docker
itself is not available on the development machines)."""

import re
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
REQUIRED_IN_PRODUCTION = {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def names_read_by_settings() -> set[str]:
    source = (BASE_DIR / "exoresist" / "settings.py").read_text() + (BASE_DIR / "gunicorn.conf.py").read_text()
    return set(re.findall(r"""env_(?:str|bool|int|list)\(\s*"([A-Z_]+)""", source)) | set(
        re.findall(r"""(?:os\.environ(?:\.get)?\(|os\.environ\[|in os\.environ|environ\.get\()\s*"([A-Z_]+)""", source)
    )


def test_it_has_the_production_services(compose):
    assert {"db", "redis", "migrate", "web"} <= set(compose["services"])
    assert "pgdata" in compose["volumes"]
    assert any("pgdata:" in volume for volume in compose["services"]["db"]["volumes"])


@pytest.mark.parametrize("service", ["db", "redis", "web", "backup"])
def test_every_long_running_service_has_a_health_check(compose, service):
    healthcheck = compose["services"][service]["healthcheck"]
    assert healthcheck["test"]
    assert healthcheck["interval"]


def test_the_web_health_check_probes_healthz(compose):
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_migrate_is_a_one_shot_step_before_the_web_app(compose):
    migrate, web = compose["services"]["migrate"], compose["services"]["web"]
    assert migrate["restart"] == "no"
    command = " ".join(migrate["command"])
    assert "migrate --noinput" in command and "load_seed" in command and "bump_data_version" in command
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_web_app_runs_gunicorn_with_the_config_file(compose):
    assert compose["services"]["web"]["command"][:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert (BASE_DIR / "gunicorn.conf.py").exists()


def test_the_environment_matches_what_the_settings_read(compose):
    env = compose["services"]["web"]["environment"]
    assert env == compose["services"]["migrate"]["environment"]
    assert REQUIRED_IN_PRODUCTION <= set(env)
    unknown = set(env) - names_read_by_settings()
    assert not unknown, f"compose sets variables nothing reads: {unknown}"
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["DJANGO_DEBUG"] == "0"


def test_the_gunicorn_config_loads(tmp_path):
    import runpy

    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert config["wsgi_app"] == "exoresist.wsgi:application"
    assert config["workers"] >= 1
    assert config["timeout"] > 0
    assert '"request_id"' in config["access_log_format"]
