"""Backup and restore on PostgreSQL: dump, restore into an empty database, dump again: identical."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup_restore_check.sh"


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_dump_restores_into_an_identical_database(django_db_setup):
    if connection.vendor != "postgresql":
        pytest.skip("backups are pg_dump based: run the suite with DATABASE_URL=postgres://...")
    conf = connection.settings_dict
    env = dict(os.environ, PGHOST=conf["HOST"] or "127.0.0.1", PGPORT=str(conf["PORT"] or 5432), PGUSER=conf["USER"])
    if conf["PASSWORD"]:
        env["PGPASSWORD"] = conf["PASSWORD"]
    result = subprocess.run(
        [str(SCRIPT), conf["NAME"], f"{conf['NAME']}_restorecheck"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout
