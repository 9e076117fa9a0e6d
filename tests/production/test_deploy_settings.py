"""Production settings come from the environment only: ``check --deploy`` is clean with a
production environment, unsafe or missing values stop start-up with a clear message, and
collectstatic produces compressed, hashed files that whitenoise serves."""

import json
import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]
STRIPPED = {"EXORESIST_TESTING", "EXORESIST_INSECURE_DEV_KEY", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES"}


def production_env(tmp_path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED and not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="exoresist.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="exoresist.example.org",
        # Nothing here connects: check --deploy and collectstatic need a URL, not a server.
        DATABASE_URL="postgres://exoresist@127.0.0.1:1/unused",
        REDIS_URL="redis://127.0.0.1:6379/15",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_no_warnings_in_production(tmp_path):
    assert run(production_env(tmp_path), "manage.py", "collectstatic", "--noinput", "-v", "0").returncode == 0
    result = run(production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_collectstatic_the_app_refuses_to_start_and_says_why(tmp_path):
    """It used to start and answer every HTML page with a 500 ("Missing staticfiles manifest entry")."""
    env = production_env(tmp_path)
    result = run(env, "manage.py", "check", "--deploy")
    assert result.returncode != 0 and "exoresist.E001" in result.stderr
    assert "Run `python manage.py collectstatic --noinput`" in result.stderr
    started = run(env, "-c", "import exoresist.wsgi")
    assert started.returncode != 0 and "Static files have not been collected" in started.stderr
    assert run(env, "manage.py", "collectstatic", "--noinput", "-v", "0").returncode == 0
    assert run(env, "-c", "import exoresist.wsgi").returncode == 0


def test_production_settings_are_hardened(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
        "'proxy': s.SECURE_PROXY_SSL_HEADER, 'cache': s.CACHES['default']['BACKEND'], "
        "'page_cache': s.EXORESIST_PAGE_CACHE, 'atomic': s.DATABASES['default']['ATOMIC_REQUESTS'], "
        "'replicas': s.EXORESIST_REPLICAS, 'axes': s.AXES_ENABLED, 'upload': s.FILE_UPLOAD_MAX_MEMORY_SIZE, "
        "'storage': s.STORAGES['staticfiles']['BACKEND'], "
        "'conn_health': s.DATABASES['default']['CONN_HEALTH_CHECKS']}))"
    )
    env = production_env(
        tmp_path,
        DJANGO_BEHIND_PROXY="1",
        DATABASE_REPLICA_URLS="postgres://r@replica-a/exoresist,postgres://r@replica-b/exoresist",
    )
    result = run(env, "-c", script)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False
    assert values["ssl"] is True
    assert values["hsts"] >= 31_536_000
    assert values["session_secure"] and values["csrf_secure"]
    assert values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["cache"] == "django_redis.cache.RedisCache"
    assert values["page_cache"] is True
    assert values["atomic"] is True
    assert values["conn_health"] is True
    assert values["replicas"] == ["replica1", "replica2"]
    assert values["axes"] is True
    assert values["upload"] == 10 * 1024 * 1024
    assert values["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_the_proxy_header_is_not_trusted_unless_asked(tmp_path):
    script = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    result = run(production_env(tmp_path), "-c", script)
    assert result.stdout.strip().endswith("None")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 60}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS is not set"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS contains '*'"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"EXORESIST_INSECURE_DEV_KEY": "1"}, "EXORESIST_INSECURE_DEV_KEY is set"),
        ({"DJANGO_DEBUG": "ture"}, "DJANGO_DEBUG='ture' is not a boolean"),
        ({"DJANGO_LOG_FORMAT": "xml"}, "DJANGO_LOG_FORMAT"),
        ({"DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS is empty"),
        ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "postgress://u:hunter2@db/x"}, "DATABASE_URL is not a database URL"),
        ({"DATABASE_REPLICA_URLS": "db-replica:5432"}, "DATABASE_REPLICA_URLS entry 1 is not a database URL"),
        ({"DATABASE_URL": "sqlite:///tmp/x.sqlite3"}, "ExoResist runs on PostgreSQL only"),
        ({"DATABASE_URL": "mysql://u@db/x"}, "DATABASE_URL is not a PostgreSQL URL"),
        ({"REDIS_URL": "redis:6379"}, "CACHE_URL/REDIS_URL is not a Redis URL"),
        ({"DJANGO_SECURE_HSTS_SECONDS": "1y"}, "DJANGO_SECURE_HSTS_SECONDS='1y' is not an integer"),
    ],
    ids=[
        "weak-key",
        "insecure-key",
        "no-key",
        "no-hosts",
        "any-host",
        "no-database",
        "dev-key",
        "typo",
        "log",
        "empty-hosts",
        "empty-database",
        "bad-database",
        "bad-replica",
        "sqlite",
        "mysql",
        "bad-cache",
        "int-typo",
    ],
)
def test_unsafe_production_values_stop_start_up_with_a_clear_message(tmp_path, monkeypatch, overrides, message):
    # The settings module run in-process under the production environment (a subprocess each is slow).
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in production_env(tmp_path, **overrides).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)) as raised:
        runpy.run_path(str(BASE_DIR / "exoresist" / "settings.py"))
    assert "hunter2" not in str(raised.value), "a password was echoed in the error"


def test_unsafe_values_stop_a_real_start_up(tmp_path):
    result = run(production_env(tmp_path, DJANGO_ALLOWED_HOSTS="*"), "manage.py", "check")
    assert result.returncode != 0
    assert "Unsafe production configuration" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS contains '*'" in result.stderr


def test_collectstatic_writes_hashed_compressed_files_that_whitenoise_serves(tmp_path):
    env = production_env(tmp_path)
    result = run(env, "manage.py", "collectstatic", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    static_root = tmp_path / "static"
    assert (static_root / "staticfiles.json").exists()
    assert list(static_root.rglob("base.*.css.gz")), "no compressed hashed copy of admin/css/base.css"
    # The API docs' bundles (drf_spectacular_sidecar), served from here rather than a CDN.
    sidecar = static_root / "drf_spectacular_sidecar"
    assert list(sidecar.glob("swagger-ui-dist/swagger-ui-bundle.*.js.gz"))
    assert list(sidecar.glob("redoc/bundles/redoc.standalone.*.js.gz"))
    script = (
        "import django; django.setup()\n"
        "from django.templatetags.static import static\n"
        "from django.test import Client\n"
        "url = static('admin/css/base.css')\n"
        "assert url != '/static/admin/css/base.css', url\n"
        "c = Client(HTTP_HOST='exoresist.example.org')\n"
        "r = c.get(url, secure=True, HTTP_ACCEPT_ENCODING='gzip')\n"
        "print(url, r.status_code, r.headers.get('Cache-Control'), r.headers.get('Content-Encoding'))\n"
    )
    result = run(env, "-c", script)
    assert result.returncode == 0, result.stderr
    url, status, *cache_control = result.stdout.split()
    assert url.startswith("/static/admin/css/base.") and url.endswith(".css")
    assert status == "200"
    assert "immutable" in " ".join(cache_control)
    assert cache_control[-1] == "gzip"
