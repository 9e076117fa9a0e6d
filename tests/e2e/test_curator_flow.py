"""Issue 14's done-when, in a browser: from a PubMed export to a draft evidence item
without typing a name the database already knows (import, triage, start evidence, save)."""

import importlib

import pytest
from django.contrib.auth.models import Group, User

from evidence.choices import CargoKind, CellKind
from evidence.models import Citation, Evidence
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    DrugAliasFactory,
    DrugFactory,
    MechanismFactory,
    TherapyClassFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def curators_group() -> Group:
    """The Curators group as migrations 0002 and 0004 make it: a transactional test that ran
    before this one (the live server needs committed rows) flushed it with every table."""
    from django.contrib.auth.models import Permission

    groups = importlib.import_module("evidence.migrations.0002_groups")
    workflow = importlib.import_module("evidence.migrations.0004_curation_groups")
    group, created = Group.objects.get_or_create(name="Curators")
    if created:
        from django.apps import apps
        from django.contrib.auth.management import create_permissions

        create_permissions(apps.get_app_config("evidence"), verbosity=0)  # the flush took these too
        codenames = [f"{action}_{model}" for model in groups.CURATED for action in groups.CURATOR_ACTIONS]
        permissions = Permission.objects.filter(
            content_type__app_label="evidence", codename__in=codenames + workflow.CURATOR
        )
        group.permissions.add(*permissions)
    return group


EXPORT = """<?xml version="1.0" ?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
  <PMID Version="1">28000001</PMID>
  <Article PubModel="Print">
    <Journal><JournalIssue><Volume>8</Volume><PubDate><Year>2017</Year></PubDate></JournalIssue>
      <Title>Oncotarget</Title></Journal>
    <ArticleTitle>Exosomal UCH-L1 transfers adriamycin resistance in breast cancer.</ArticleTitle>
    <ELocationID EIdType="doi" ValidYN="Y">10.18632/oncotarget.99999</ELocationID>
    <Abstract><AbstractText>Exosomes from MCF-7/ADR cells carried UCH-L1 and P-glycoprotein and made MCF-7 cells
      resistant to Adriamycin through drug efflux.</AbstractText></Abstract>
    <AuthorList><Author><LastName>Ning</LastName><ForeName>Kuan</ForeName></Author></AuthorList>
  </Article>
</MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


@pytest.fixture
def curator_page(page, live_server):
    chemo = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    dox = DrugFactory(name="doxorubicin", slug="doxorubicin", therapy_class=chemo)
    DrugAliasFactory(entity=dox, name="Adriamycin")
    uchl1 = CargoFactory(symbol="UCHL1", slug="uchl1", kind=CargoKind.PROTEIN)
    CargoAliasFactory(entity=uchl1, name="UCH-L1")
    mcf7 = CellFactory(name="MCF-7", slug="mcf-7")
    CellFactory(name="MCF-7/ADR", slug="mcf-7-adr", kind=CellKind.RESISTANT_LINE, parent=mcf7)
    MechanismFactory(slug="drug-efflux", name="drug efflux")
    user = User.objects.create_user("kim", password="a long test password", is_staff=True)
    user.groups.add(curators_group())
    page.goto("/admin/login/")
    page.fill("#id_username", "kim")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def test_from_a_pubmed_export_to_a_draft_without_typing_a_name(curator_page, tmp_path):
    page = curator_page
    export = tmp_path / "pubmed.xml"
    export.write_text(EXPORT)
    page.goto("/admin/evidence/citation/import-bibtex/")
    page.set_input_files("input[type=file]", str(export))
    page.click("#content-main button[type=submit]")
    page.locator("#import-report").wait_for(state="attached")  # empty when all went well
    assert Citation.objects.get(pmid="28000001").abstract.startswith("Exosomes from MCF-7/ADR cells")

    page.goto("/admin/evidence/citation/triage/")
    paper = page.locator(".triage-paper").first
    assert "UCHL1" in paper.inner_text() and paper.locator("mark.mention-drug").count() >= 1
    paper.locator("a", has_text="Start evidence").click()
    page.wait_for_url("**/admin/evidence/evidence/add/?from_citation=*")

    # Only what no dictionary can know is typed: the finding in words and its grading.
    page.fill("#id_statement", "Exosomal UCH-L1 from MCF-7/ADR cells conferred adriamycin resistance on MCF-7 cells.")
    page.select_option("#id_effect", "confers_resistance")
    page.select_option("#id_evidence_type", "predictive")
    page.select_option("#id_level", "D")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/evidence/evidence/")

    item = Evidence.objects.get()
    assert item.status == "draft" and item.citation.pmid == "28000001"
    assert [c.slug for c in item.cargos.all()] == ["uchl1"]
    assert [d.slug for d in item.drugs.all()] == ["doxorubicin"]
    assert (item.source_cell.slug, item.recipient_cell.slug) == ("mcf-7-adr", "mcf-7")
    assert [m.slug for m in item.mechanisms.all()] == ["drug-efflux"]
