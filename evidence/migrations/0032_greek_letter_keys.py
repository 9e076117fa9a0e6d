"""Lookup keys spell out every Greek letter, as the recogniser does: "GST-π" is "gstpi" and
finds the GSTP1 record by its alias GST-pi. Before, ten letters were spelled out and the
others dropped ("GST-π" was "gst").

Names holding a Greek letter get their keys again. This calls today's ``lookup_keys`` on
purpose: a stored key is only useful if it is what a lookup computes now.
"""

from django.db import migrations

GREEK = "[\u0370-\u03ff\u1f00-\u1fff]"
NAMED = {"Drug": "name", "Cargo": "symbol", "Cell": "name", "DrugAlias": "name", "CargoAlias": "name", "CellAlias": "name"}


def rekey(apps, schema_editor, pattern=GREEK):
    """Compute again the keys of the names matching ``pattern`` (a case-insensitive regular expression)."""
    from evidence.identifiers import lookup_keys

    db = schema_editor.connection.alias
    for model_name, field in NAMED.items():
        rows = apps.get_model("evidence", model_name).objects.using(db)
        for row in rows.filter(**{f"{field}__iregex": pattern}):
            key, base = lookup_keys(getattr(row, field))
            if (key, base) == (row.key, row.base):
                continue
            if model_name.endswith("Alias") and rows.filter(entity_id=row.entity_id, key=key).exists():
                # Another alias of the entity has that key already ("GST-pi"): lookups find it.
                continue
            rows.filter(pk=row.pk).update(key=key, base=base)


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0031_drug_class_ancestry_search"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
