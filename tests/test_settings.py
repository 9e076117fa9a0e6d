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


def test_without_database_url_every_command_uses_the_embedded_postgresql():
    """A fresh clone needs no database set-up: settings start (or join) the server under var/postgres."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    base = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="exoresist.settings")
    # The socket is looked for while the command runs: the server stops when the last process
    # using it exits, and removes its socket then.
    script = (
        "import django, pathlib; django.setup(); from django.db import connection; db = connection.settings_dict; "
        "connection.ensure_connection(); "
        "print(pathlib.Path(db['HOST'], f\".s.PGSQL.{db['PORT']}\").is_socket(), connection.vendor, "
        "connection.pg_version // 10000)"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=base, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    socket, vendor, major = result.stdout.split()
    assert (base / "var" / "postgres" / "PG_VERSION").exists() and socket == "True"
    assert (vendor, int(major)) == ("postgresql", 18)


def test_a_sqlite_database_url_is_refused_at_start_up():
    import os
    import subprocess
    import sys

    env = dict(os.environ, DATABASE_URL="sqlite:///tmp/exoresist.sqlite3", DJANGO_SETTINGS_MODULE="exoresist.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "ExoResist runs on PostgreSQL only" in result.stderr


@pytest.mark.parametrize("value, expected", [("background", "background"), ("on_read", "on_read"), ("later", None)])
def test_the_counts_refresh_mode_is_read_from_the_environment_strictly(value, expected):
    import os
    import subprocess
    import sys

    env = dict(os.environ, EXORESIST_COUNTS_REFRESH=value, DJANGO_SETTINGS_MODULE="exoresist.settings")
    script = "import django; django.setup(); from django.conf import settings; print(settings.EXORESIST_COUNTS_REFRESH)"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    if expected is None:
        assert result.returncode != 0 and "EXORESIST_COUNTS_REFRESH='later'" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == expected


def test_the_embedded_servers_list_of_handles_is_mended_after_a_killed_process(tmp_path):
    # A process killed while the wheel rewrote the list left it empty: the wheel could not
    # read it again, and no process stopped the server on exit (Ctrl-C left it running).
    import json
    import os
    import threading

    from exoresist.embedded_postgres import _forget_dead_handles

    class Server:
        _lock = threading.Lock()

    handles = tmp_path / ".handle_pids.json"
    for broken in ("", "[12"):
        handles.write_text(broken)
        _forget_dead_handles(Server, tmp_path)
        assert json.loads(handles.read_text()) == []
    dead = 4_194_303  # above any pid this machine hands out
    handles.write_text(json.dumps([os.getpid(), dead]))
    _forget_dead_handles(Server, tmp_path)
    assert json.loads(handles.read_text()) == [os.getpid()]


def test_a_terminated_development_server_leaves_no_handle_on_the_embedded_server():
    """``kill`` (SIGTERM) to ``make run``'s runserver ends its reloader, which kills the server
    process it runs: neither is left on the embedded server's list of users, so the server
    stops when they were its last users, as after Ctrl-C."""
    import contextlib
    import json
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    base = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="exoresist.settings")
    setup = "import django; django.setup(); from django.db import connection; connection.ensure_connection(); "
    # As Django's reloader does: the parent runs the serving process with subprocess.run.
    child = setup + "import os, time; print('child', os.getpid(), flush=True); time.sleep(120)"
    parent = (
        setup + "import os, subprocess, sys; print('parent', os.getpid(), flush=True); "
        f"subprocess.run([sys.executable, '-c', {child!r}])"
    )
    process = subprocess.Popen([sys.executable, "-c", parent], env=env, cwd=base, stdout=subprocess.PIPE, text=True)
    pids = {}
    try:
        pids = {name: int(pid) for name, pid in (process.stdout.readline().split() for _ in range(2))}
        handles = base / "var" / "postgres" / ".handle_pids.json"
        assert set(pids.values()) <= set(json.loads(handles.read_text()))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
        assert not set(pids.values()) & set(json.loads(handles.read_text()))
    finally:
        process.kill()
        if "child" in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pids["child"], signal.SIGKILL)
