"""docker-compose.yml stays valid and consistent with what the settings read (Docker
itself is not available on the development machines)."""

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.databases import create_database, database_url

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


# --- the same commands, run directly (no Docker on the development machines) -------------

COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z_]+)(?::-([^}]*)|:\?[^}]*)?\}")


def resolved_environment(compose, service: str, **overrides) -> dict[str, str]:
    """The service's environment as compose would pass it, with its ${VAR:-default}s filled in."""
    env = {}
    for name, value in compose["services"][service]["environment"].items():
        env[name] = COMPOSE_VARIABLE.sub(lambda m: m.group(2) or "", str(value))
    env.update(overrides)
    return env


def clean_environment() -> dict[str, str]:
    """This process's environment without the test suite's (or a developer's) settings."""
    import os

    prefixes = ("DJANGO_", "DATABASE_", "EXORESIST_")
    return {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_the_migrate_step_and_gunicorn_run_directly_with_the_compose_environment(compose, tmp_path):
    """compose's one-shot step (migrate, load_seed, bump_data_version) and the web command,
    run directly with the environment compose gives them: a fresh database on the test
    server stands in for the db service and Redis is unreachable (the site must still
    serve, uncached)."""
    import os
    import secrets
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    env = clean_environment()
    env.update(
        resolved_environment(
            compose,
            "web",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
            DATABASE_URL=database_url(create_database("compose")),
            REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
            DJANGO_STATIC_ROOT=str(tmp_path / "static"),
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="1",
        )
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # The image runs collectstatic at build time (Dockerfile); here it runs first, like the build.
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    result = subprocess.run(collect, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    migrate = compose["services"]["migrate"]["command"]
    result = subprocess.run(migrate, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "data version is now" in result.stdout

    log = open(tmp_path / "gunicorn.log", "w+")
    server = subprocess.Popen(compose["services"]["web"]["command"], env=env, cwd=BASE_DIR, stdout=log, stderr=log)
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                # The compose health check's request: plain HTTP, the container's own address.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
                    health = (response.status, json.loads(response.read()))
                    break
            except OSError:
                time.sleep(0.5)
        assert health is not None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        assert health[0] == 200 and health[1]["database"] == "ok" and health[1]["cache"] == "unavailable"
        # A page as the load balancer forwards it (TLS ended there): the seeded site, served uncached.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/evidence/",
            headers={"Host": "localhost", "X-Forwarded-Proto": "https", "X-Request-ID": "compose-check-0001"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            assert response.headers["X-Request-ID"] == "compose-check-0001"
            assert "Strict-Transport-Security" in response.headers
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    access = [json.loads(line) for line in lines if '"gunicorn.access"' in line]
    assert any(entry["request_id"] == "compose-check-0001" and entry["status"] == 200 for entry in access)


def test_the_dockerfile_copies_what_exists_and_ignores_local_state():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                assert source == "." or (BASE_DIR / source).exists(), f"Dockerfile copies a missing {source}"
    assert '"gunicorn", "-c", "gunicorn.conf.py"' in dockerfile
    assert "collectstatic --noinput" in dockerfile
    # COPY . . must not bake the local virtualenv, database (var/) or git history into the image.
    ignored = {line.strip().lstrip("/") for line in (BASE_DIR / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "var", "staticfiles", "releases"} <= ignored


def test_the_dockerfile_collectstatic_step_passes_the_production_checks(tmp_path):
    """The build's throwaway values must satisfy the start-up checks, or the image never builds."""
    import subprocess
    import sys

    steps = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    line = next(step for step in steps if step.startswith("RUN ") and "manage.py collectstatic" in step)
    assignments = dict(re.findall(r"([A-Z_]+)=(\S+)", line))
    assert "DJANGO_SECRET_KEY" in assignments, line
    env = clean_environment()
    env.update(assignments, DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    env["DATABASE_URL"] = "postgres://exoresist@127.0.0.1:1/unused"  # collectstatic never connects
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_releases_live_on_a_volume_every_web_container_shares(compose):
    """export_release writes files the downloads page serves: with several web containers
    they must be on a shared volume, not in one container's filesystem."""
    env = compose["services"]["web"]["environment"]
    directory = env["EXORESIST_RELEASES_DIR"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in compose["services"]["web"]["volumes"]}
    assert mounts.get(directory) in compose["volumes"]
    assert f"mkdir -p {directory}" in (BASE_DIR / "Dockerfile").read_text()


def test_the_access_log_line_stays_one_json_object_whatever_the_path(tmp_path):
    import datetime as dt
    import json
    import runpy
    from types import SimpleNamespace

    from gunicorn.config import Config

    from exoresist.gunicorn_logging import JsonAccessLogger

    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert config["logger_class"] == "exoresist.gunicorn_logging.JsonAccessLogger"
    logger = JsonAccessLogger(Config())
    path = '/x\\", "status": 999, "forged": "\\u00e9\n'
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": path,
               "REMOTE_ADDR": "10.0.0.1"}  # fmt: skip
    response = SimpleNamespace(status="404 Not Found", headers=[("X-Request-ID", 'id"1')], sent=12)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=7))
    line = json.loads(config["access_log_format"] % logger.atoms_wrapper_class(atoms))
    assert line["path"] == path and line["status"] == 404 and line["request_id"] == 'id"1'
    assert "forged" not in line and line["duration_ms"] == 7


def test_the_gunicorn_master_freezes_what_it_loaded_before_forking(monkeypatch):
    import gc
    import runpy

    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    config["when_ready"](None)
    assert frozen == [True]
