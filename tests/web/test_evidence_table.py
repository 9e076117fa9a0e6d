"""The evidence table renders rows of the one-query read path exactly as it renders model instances."""

from django.template.loader import render_to_string

from evidence.models import Evidence
from evidence.site.rows import evidence_rows
from tests.factories import CargoFactory, CitationFactory, DrugFactory, EvidenceFactory


def render(rows):
    return render_to_string("evidence/includes/evidence_table.html", {"rows": rows, "caption": "c"})


def test_rows_render_the_table_as_model_instances_do(demo):
    retracted = CitationFactory(retracted=True, retraction_note="Retracted.", authors=["Ng, A.", "Bo, C."], year=None)
    EvidenceFactory(
        status="accepted",
        citation=retracted,
        statement="A <b>long</b> & odd statement " + "word " * 60,
        cargos=[CargoFactory(symbol="zeta-miR"), CargoFactory(symbol="alpha-miR")],
        drugs=[DrugFactory(name="Beta drug"), DrugFactory(name="alpha drug")],
    )
    public = Evidence.objects.public().order_by("id")
    html = render(evidence_rows(public.as_rows()))
    assert html == render(list(public.with_related()))
    assert "retracted" in html and "&lt;b&gt;long&lt;/b&gt; &amp; odd" in html and "n.d." in html


def test_rows_take_no_query_per_row_on_any_database(demo, django_assert_max_num_queries):
    from evidence.models.citation import label_letters

    public = Evidence.objects.public().order_by("id")
    label_letters()  # the citations' letters: read once per data version, not per page
    with django_assert_max_num_queries(1):  # the page, its names embedded
        rows = evidence_rows(public.as_rows())
        render(rows)
    assert len(rows) == public.count() > 3
