"""A finding outside breast cancer stores the subtype "not_applicable" instead of
"unspecified" (``evidence.models.evidence.fit_subtype``), so that ``subtype=unspecified``
and its facet count breast cancer findings only. A breast cancer subtype on another
cancer stops the migration with the items to correct. Back: "not_applicable" is
"unspecified" again (a cell may hold it too).
"""

from django.db import migrations, models

# Breast cancer and every type below it, as ``vocabulary.breast_cancer_types`` reads them; written
# out here so that the migration does not depend on the code of the day.
_BREAST = """WITH RECURSIVE breast(id) AS (
    SELECT id FROM evidence_cancertype WHERE slug = 'breast-cancer'
    UNION SELECT t.id FROM evidence_cancertype t JOIN breast ON t.parent_id = breast.id)"""

FIT = f"""
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
{_BREAST}
UPDATE evidence_evidence SET subtype = CASE WHEN cancer_type_id IN (SELECT id FROM breast) THEN 'unspecified'
                                            ELSE 'not_applicable' END
 WHERE subtype IN ('unspecified', 'not_applicable');
"""
UNFIT = """
UPDATE evidence_evidence SET subtype = 'unspecified' WHERE subtype = 'not_applicable';
UPDATE evidence_cell SET subtype = 'unspecified' WHERE subtype = 'not_applicable';
"""


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
        migrations.RunSQL(FIT, UNFIT),
    ]
