"""Cancer type becomes a controlled vocabulary (``CancerType``: a tree, with Disease
Ontology and NCI Thesaurus ids) instead of free text.

Each distinct free-text value of existing items becomes a type of that name (a fresh
database has none: ``load_seed`` brings the curated vocabulary, fixtures/seed/
cancer_types.yaml); curators can then merge them. The search document (0013) reads the
type's name, synonyms and broader type; its evidence trigger now watches
``cancer_type_id``, and renaming a type refreshes its items.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
import evidence.models.vocabulary
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def file_cancer_types(apps, schema_editor):
    from django.utils.text import slugify

    db = schema_editor.connection.alias
    types = apps.get_model("evidence", "CancerType").objects.using(db)
    for name in ("Evidence", "HistoricalEvidence"):
        items = apps.get_model("evidence", name).objects.using(db)
        for text in items.order_by().values_list("cancer_type_text", flat=True).distinct():
            name = (text or "breast cancer").strip()[:120]
            slug = {"breast cancer": "breast-cancer"}.get(name.lower()) or slugify(name)[:60] or "unnamed"
            found = types.filter(slug=slug).first() or types.create(slug=slug, name=name)
            items.filter(cancer_type_text=text).update(cancer_type=found)


SEARCH_SQL = """
CREATE OR REPLACE FUNCTION exoresist_search_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
-- Joins rather than "= ANY(ids)": a bulk statement passes 100,000 ids, and hash joins
-- read each link table once.
WITH RECURSIVE ancestry(id, above, name) AS (
    -- Every cancer type with each broader type above it (a few dozen rows).
    SELECT id, parent_id, ''::text FROM evidence_cancertype
    UNION ALL
    SELECT a.id, c.parent_id, c.name FROM ancestry a JOIN evidence_cancertype c ON c.id = a.above
), broader AS (
    SELECT id, string_agg(name, ' ') AS names FROM ancestry GROUP BY id
), items AS MATERIALIZED (
    SELECT e.id, e.statement, e.source_quote, e.cited_as, e.experimental_systems, e.cancer_type_id,
           e.citation_id, e.source_cell_id, e.recipient_cell_id, e.therapy_class_id
      FROM evidence_evidence e JOIN (SELECT DISTINCT unnest(ids) AS id) AS wanted ON wanted.id = e.id
), names AS (
    SELECT l.evidence_id AS eid, d.name AS n, d.key, d.base
      FROM items i JOIN evidence_evidence_drugs l ON l.evidence_id = i.id JOIN evidence_drug d ON d.id = l.drug_id
    UNION ALL
    SELECT l.evidence_id, a.name, a.key, a.base
      FROM items i JOIN evidence_evidence_drugs l ON l.evidence_id = i.id
      JOIN evidence_drugalias a ON a.entity_id = l.drug_id
    UNION ALL
    SELECT l.evidence_id, g.symbol || ' ' || g.name, g.key, g.base
      FROM items i JOIN evidence_evidence_cargos l ON l.evidence_id = i.id JOIN evidence_cargo g ON g.id = l.cargo_id
    UNION ALL
    SELECT l.evidence_id, a.name, a.key, a.base
      FROM items i JOIN evidence_evidence_cargos l ON l.evidence_id = i.id
      JOIN evidence_cargoalias a ON a.entity_id = l.cargo_id
    UNION ALL
    SELECT l.evidence_id, concat_ws(' ', m.name, broader.name), '', ''
      FROM items i JOIN evidence_evidence_mechanisms l ON l.evidence_id = i.id
      JOIN evidence_mechanism m ON m.id = l.mechanism_id
      LEFT JOIN evidence_mechanism broader ON broader.id = m.parent_id
    UNION ALL
    SELECT i.id, c.name, c.key, c.base
      FROM items i JOIN evidence_cell c ON c.id IN (i.source_cell_id, i.recipient_cell_id)
    UNION ALL
    SELECT i.id, a.name, a.key, a.base
      FROM items i JOIN evidence_cellalias a ON a.entity_id IN (i.source_cell_id, i.recipient_cell_id)
    UNION ALL
    SELECT i.id, t.name, '', '' FROM items i JOIN evidence_therapyclass t ON t.id = i.therapy_class_id
), per_item AS (
    SELECT eid, string_agg(n, ' ') AS names,
           array_agg(DISTINCT 'k=' || key) FILTER (WHERE key <> '')
           || array_agg(DISTINCT 'b=' || base) FILTER (WHERE base <> '') AS keys
      FROM names GROUP BY eid
)
INSERT INTO evidence_search AS s (evidence_id, document)
SELECT i.id,
       exoresist_search_part(p.names, 'A')
       || exoresist_search_part(concat_ws(' ', i.statement, c.title), 'B')
       || exoresist_search_part(concat_ws(' ', i.source_quote, i.cited_as, i.experimental_systems,
                                          ct.name, array_to_string(ct.synonyms, ' '), broader.names,
                                          c.author_string, c.journal), 'C')
       || exoresist_search_part(concat_ws(' ', c.year, c.doi, c.pmid, c.pmcid), 'D')
       || coalesce(array_to_tsvector(p.keys), ''::tsvector)
  FROM items i
  JOIN evidence_citation c ON c.id = i.citation_id
  LEFT JOIN evidence_cancertype ct ON ct.id = i.cancer_type_id
  LEFT JOIN broader ON broader.id = ct.id
  LEFT JOIN per_item p ON p.eid = i.id
    ON CONFLICT (evidence_id) DO UPDATE SET document = EXCLUDED.document
     WHERE s.document IS DISTINCT FROM EXCLUDED.document
$$;

CREATE FUNCTION evidence_evidence_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM exoresist_search_refresh(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (n.statement, n.source_quote, n.cited_as, n.experimental_systems, n.cancer_type_id,
                n.citation_id, n.source_cell_id, n.recipient_cell_id, n.therapy_class_id)
               IS DISTINCT FROM
               (o.statement, o.source_quote, o.cited_as, o.experimental_systems, o.cancer_type_id,
                o.citation_id, o.source_cell_id, o.recipient_cell_id, o.therapy_class_id)));
    RETURN NULL;
END $$;
CREATE TRIGGER evidence_evidence_search_update AFTER UPDATE ON evidence_evidence
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_evidence_search_update();

CREATE FUNCTION evidence_cancertype_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A renamed or moved type changes the documents of its items and of every narrower type's.
    PERFORM exoresist_search_refresh(ARRAY(
        WITH RECURSIVE changed(id) AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.name, n.synonyms, n.parent_id) IS DISTINCT FROM (o.name, o.synonyms, o.parent_id)
            UNION
            SELECT c.id FROM evidence_cancertype c JOIN changed ON c.parent_id = changed.id
        )
        SELECT e.id FROM evidence_evidence e WHERE e.cancer_type_id IN (SELECT id FROM changed)));
    RETURN NULL;
END $$;
CREATE TRIGGER evidence_cancertype_search_update AFTER UPDATE ON evidence_cancertype
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_cancertype_search_update();

SELECT exoresist_search_refresh(ARRAY(SELECT id FROM evidence_evidence));
"""


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0013_search_document'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CancerType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('modified', models.DateTimeField(auto_now=True)),
                ('slug', models.SlugField(max_length=60, unique=True)),
                ('name', models.CharField(max_length=120, unique=True)),
                ('doid', models.CharField(blank=True, help_text='e.g. DOID:1612', max_length=20, verbose_name='Disease Ontology id')),
                ('ncit', models.CharField(blank=True, help_text='e.g. C4872', max_length=20, verbose_name='NCI Thesaurus code')),
                ('synonyms', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=120), blank=True, default=list, size=None)),
                ('description', models.TextField(blank=True)),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='evidence.cancertype')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCancerType',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created', models.DateTimeField(blank=True, editable=False)),
                ('modified', models.DateTimeField(blank=True, editable=False)),
                ('slug', models.SlugField(max_length=60)),
                ('name', models.CharField(db_index=True, max_length=120)),
                ('doid', models.CharField(blank=True, help_text='e.g. DOID:1612', max_length=20, verbose_name='Disease Ontology id')),
                ('ncit', models.CharField(blank=True, help_text='e.g. C4872', max_length=20, verbose_name='NCI Thesaurus code')),
                ('synonyms', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=120), blank=True, default=list, size=None)),
                ('description', models.TextField(blank=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evidence.cancertype')),
            ],
            options={
                'verbose_name': 'historical cancer type',
                'verbose_name_plural': 'historical cancer types',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        # The evidence's search-document trigger reads the column that changes type:
        # dropped here, written anew (SQL below) once the column is a foreign key.
        migrations.RunSQL(
            "DROP TRIGGER evidence_evidence_search_update ON evidence_evidence;"
            " DROP FUNCTION evidence_evidence_search_update();",
            migrations.RunSQL.noop,
        ),
        migrations.RenameField(model_name='evidence', old_name='cancer_type', new_name='cancer_type_text'),
        migrations.RenameField(model_name='historicalevidence', old_name='cancer_type', new_name='cancer_type_text'),
        migrations.AddField(model_name='evidence', name='cancer_type', field=models.ForeignKey(null=True, help_text='The disease the finding was made in; breast cancer unless said otherwise.', on_delete=django.db.models.deletion.PROTECT, related_name='evidence', to='evidence.cancertype')),
        migrations.AddField(model_name='historicalevidence', name='cancer_type', field=models.ForeignKey(blank=True, db_constraint=False, help_text='The disease the finding was made in; breast cancer unless said otherwise.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evidence.cancertype')),
        migrations.RunPython(file_cancer_types, migrations.RunPython.noop),
        migrations.RemoveField(model_name='evidence', name='cancer_type_text'),
        migrations.RemoveField(model_name='historicalevidence', name='cancer_type_text'),
        migrations.AlterField(model_name='evidence', name='cancer_type', field=models.ForeignKey(default=evidence.models.vocabulary.default_cancer_type, help_text='The disease the finding was made in; breast cancer unless said otherwise.', on_delete=django.db.models.deletion.PROTECT, related_name='evidence', to='evidence.cancertype')),
        migrations.AlterField(model_name='historicalevidence', name='cancer_type', field=models.ForeignKey(blank=True, db_constraint=False, default=evidence.models.vocabulary.default_cancer_type, help_text='The disease the finding was made in; breast cancer unless said otherwise.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evidence.cancertype')),
        migrations.RunSQL(SEARCH_SQL, migrations.RunSQL.noop),
    ]
