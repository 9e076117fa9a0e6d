"""Backup and restore on PostgreSQL: dump, restore into an empty database, dump again: identical."""

import subprocess
from pathlib import Path

import pytest
from django.db import connection

from tests.databases import client_environment

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup_restore_check.sh"


@pytest.mark.django_db
def test_a_dump_restores_into_an_identical_database():
    conf = connection.settings_dict
    result = subprocess.run(
        [str(SCRIPT), conf["NAME"], f"{conf['NAME']}_restorecheck"],
        env=client_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout
