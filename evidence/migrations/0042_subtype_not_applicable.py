"""A finding outside breast cancer stores the subtype "not_applicable" instead of
"unspecified" (``evidence.models.evidence.fit_subtype``), so that ``subtype=unspecified``
and its facet count breast cancer findings only. A breast cancer subtype on another
cancer stops the migration with the items to correct. Back: "not_applicable" is
"unspecified" again (a cell may hold it too).

Each item whose subtype changes gets a new version and a history row saying why, with its
links, as ``refit_subtypes`` writes them: the history then shows the change when it was made,
not as the next editor's, and an edit of the version before is refused as stale.
"""

from django.db import migrations, models

# Breast cancer and every type below it, as ``vocabulary.breast_cancer_types`` reads them; written
# out here so that the migration does not depend on the code of the day.
_BREAST = """WITH RECURSIVE breast(id) AS (
    SELECT id FROM evidence_cancertype WHERE slug = 'breast-cancer'
    UNION SELECT t.id FROM evidence_cancertype t JOIN breast ON t.parent_id = breast.id)"""

REFUSE = f"""
DO $$
DECLARE wrong text;
BEGIN
    {_BREAST}
    SELECT string_agg('EXR' || lpad(e.id::text, 6, '0'), ', ' ORDER BY e.id) INTO wrong
      FROM evidence_evidence e
     WHERE e.cancer_type_id NOT IN (SELECT id FROM breast) AND e.subtype NOT IN ('unspecified', 'not_applicable');
    IF wrong IS NOT NULL THEN
        RAISE EXCEPTION 'These findings give a breast cancer subtype to another cancer: %. Correct the cancer '
                        'type or the subtype, then migrate again.', wrong;
    END IF;
END $$;
"""
FITTED = "CASE WHEN e.cancer_type_id IN (SELECT id FROM breast) THEN 'unspecified' ELSE 'not_applicable' END"
# ``evidence.models.evidence.SUBTYPE_FITTED``, as it was written.
REASON = "Subtype fitted to the cancer type: breast cancer subtypes apply to breast cancer only"
# The historical many-to-many rows of each link, so that a version shows the item whole.
LINK_HISTORY = {
    "cargos": "HistoricalEvidence_cargos",
    "drugs": "HistoricalEvidenceDrug",
    "mechanisms": "HistoricalEvidence_mechanisms",
}


def set_subtypes(apps, schema_editor, subtype: str, where: str, reason: str) -> int:
    """Set ``subtype`` (SQL of an item ``e``) on the items ``where`` holds. Each changed item gets
    a new version and history row (with ``reason``, no user) and its links' history rows, in one
    statement. Returns how many changed."""
    q = schema_editor.quote_name
    evidence, history = apps.get_model("evidence", "Evidence"), apps.get_model("evidence", "HistoricalEvidence")
    listed = ", ".join(q(f.column) for f in history._meta.concrete_fields if not f.name.startswith("history_"))
    links = []
    for name, model in LINK_HISTORY.items():
        through = evidence._meta.get_field(name).remote_field.through._meta.db_table
        versions = apps.get_model("evidence", model)._meta
        columns = [q(f.column) for f in versions.concrete_fields if f.name not in ("m2m_history_id", "history")]
        links.append(
            f"{name} AS (INSERT INTO {q(versions.db_table)} ({', '.join(columns)}, history_id) "
            f"SELECT {', '.join(f'l.{c}' for c in columns)}, v.history_id FROM {q(through)} l "
            "JOIN versions v ON v.id = l.evidence_id)"
        )
    sql = f"""{_BREAST},
changed AS (
    UPDATE evidence_evidence e SET subtype = {subtype}, version = e.version + 1, modified = now()
     WHERE ({where}) AND e.subtype <> {subtype}
    RETURNING e.*),
versions AS (
    INSERT INTO {q(history._meta.db_table)} ({listed}, history_date, history_change_reason, history_type,
                                            history_user_id)
    SELECT {listed}, now(), %s, '~', NULL FROM changed
    RETURNING id, history_id),
{", ".join(links)}
SELECT count(*) FROM versions"""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, [reason])
        return cursor.fetchone()[0]


def fit(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(REFUSE)
    set_subtypes(apps, schema_editor, FITTED, "e.subtype IN ('unspecified', 'not_applicable')", REASON)


def unfit(apps, schema_editor):
    reason = 'Subtype "not applicable" withdrawn: migrated back before migration 0042'
    set_subtypes(apps, schema_editor, "'unspecified'", "e.subtype = 'not_applicable'", reason)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE evidence_cell SET subtype = 'unspecified' WHERE subtype = 'not_applicable'")


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0041_document_names_sort_as_read'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cell',
            name='subtype',
            field=models.CharField(choices=[('luminal', 'luminal / ER+'), ('her2', 'HER2+'), ('tnbc', 'triple-negative'), ('unspecified', 'unspecified'), ('not_applicable', 'not applicable (not breast cancer)')], default='unspecified', max_length=20, verbose_name='breast cancer subtype'),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='subtype',
            field=models.CharField(choices=[('luminal', 'luminal / ER+'), ('her2', 'HER2+'), ('tnbc', 'triple-negative'), ('unspecified', 'unspecified'), ('not_applicable', 'not applicable (not breast cancer)')], db_index=True, default='unspecified', help_text='The breast cancer subtype of the cells or patients, when the study says; "not applicable (not breast cancer)" for a finding in another cancer.', max_length=20, verbose_name='breast cancer subtype'),
        ),
        migrations.AlterField(
            model_name='historicalcell',
            name='subtype',
            field=models.CharField(choices=[('luminal', 'luminal / ER+'), ('her2', 'HER2+'), ('tnbc', 'triple-negative'), ('unspecified', 'unspecified'), ('not_applicable', 'not applicable (not breast cancer)')], default='unspecified', max_length=20, verbose_name='breast cancer subtype'),
        ),
        migrations.AlterField(
            model_name='historicalevidence',
            name='subtype',
            field=models.CharField(choices=[('luminal', 'luminal / ER+'), ('her2', 'HER2+'), ('tnbc', 'triple-negative'), ('unspecified', 'unspecified'), ('not_applicable', 'not applicable (not breast cancer)')], db_index=True, default='unspecified', help_text='The breast cancer subtype of the cells or patients, when the study says; "not applicable (not breast cancer)" for a finding in another cancer.', max_length=20, verbose_name='breast cancer subtype'),
        ),
        migrations.RunPython(fit, unfit),
    ]
