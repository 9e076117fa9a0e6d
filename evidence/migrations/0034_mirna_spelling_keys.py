"""Lookup keys read "miRNA-214" as miR-214, as they read "microRNA-214": the seed stores
that spelling as an alias, and only the literal alias found it.

Names holding "miRNA" get their keys again, with 0032's step (today's ``lookup_keys``).
"""

import importlib

from django.db import migrations

greek_letter_keys = importlib.import_module("evidence.migrations.0032_greek_letter_keys")


def rekey(apps, schema_editor):
    greek_letter_keys.rekey(apps, schema_editor, pattern="mirna")


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0033_label_key_as_short_label"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
