"""A finding outside breast cancer stores the subtype "not_applicable" instead of
"unspecified" (``evidence.models.evidence.fit_subtype``), so that ``subtype=unspecified``
and its facet count breast cancer findings only. A breast cancer subtype on another
cancer stops the migration with the items to correct. Back: "not_applicable" is
"unspecified" again (a cell may hold it too).
"""

from django.db import migrations, models


def fit_subtypes(apps, schema_editor):
    from evidence.models.evidence import refit_subtypes

    refit_subtypes(apps.get_model("evidence", "Evidence"), apps.get_model("evidence", "CancerType"))


def unfit_subtypes(apps, schema_editor):
    for model in ("Evidence", "Cell"):
        apps.get_model("evidence", model).objects.filter(subtype="not_applicable").update(subtype="unspecified")


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0040_citation_author_title_as_read_index'),
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
        migrations.RunPython(fit_subtypes, unfit_subtypes),
    ]
