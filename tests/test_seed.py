"""The curated seed review: complete, with its traps caught, and idempotent to load."""

import io

import pytest
from django.core.management import call_command

from evidence.choices import Status
from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass

pytestmark = pytest.mark.django_db

REVIEW_DOI = "10.3389/fbioe.2023.1214648"


def test_the_seed_holds_every_reference_finding_and_entity(seeded):
    # 138 references (139 bullet lines, one wrapped), one listed twice, plus the review itself.
    assert Citation.objects.count() == 138
    assert (
        Evidence.objects.count() == 60
    )  # 59 findings; Zhang 2015 split by source line, Sun 2018 added, Milano 2020 out
    assert Drug.objects.count() == 22
    assert Cargo.objects.count() == 30
    assert Cell.objects.count() == 27
    assert TherapyClass.objects.count() == 6
    assert Mechanism.objects.count() == 16


def test_every_seed_finding_is_accepted_and_curated_through_the_review(seeded):
    review = Citation.objects.get(doi=REVIEW_DOI)
    assert review.publication_type == "review"
    assert Evidence.objects.exclude(status=Status.ACCEPTED).count() == 0
    assert Evidence.objects.exclude(secondary_source=review).count() == 0
    assert Evidence.objects.filter(reviewed_by__isnull=True).count() == 0


def test_the_paper_listed_twice_is_one_citation(seeded):
    lv = Citation.objects.filter(doi="10.1007/s13277-014-2377-z")
    assert lv.count() == 1
    assert "Lv et al., 2014a" in lv.get().note and "Lv et al., 2014b" in lv.get().note


def test_the_retracted_article_is_flagged_and_its_evidence_shows_it(seeded):
    han = Citation.objects.get(doi="10.1038/s41419-020-2250-5")
    assert han.retracted
    assert han.retraction_note
    assert not han.title.upper().startswith("RETRACTED")
    evidence = Evidence.objects.filter(citation__retracted=True)
    assert evidence.count() >= 1
    assert set(evidence.values_list("citation__doi", flat=True)) == {han.doi}


def test_the_misattributed_glioblastoma_work_is_curated_against_the_right_paper(seeded):
    liu2023a = Citation.objects.get(bibtex_key="liu2023a")
    liu2023b = Citation.objects.get(bibtex_key="liu2023b")
    assert "glioblastoma" in liu2023a.title.lower()
    assert not Evidence.objects.filter(citation=liu2023b, cancer_type__slug="glioblastoma").exists()
    glioblastoma = Evidence.objects.get(citation=liu2023a)
    assert "2023b" in glioblastoma.curation_note
    assert "2023a" in liu2023b.note


def test_references_without_a_doi_are_stored_and_findable(seeded):
    no_doi = Citation.objects.filter(doi__isnull=True)
    assert set(no_doi.values_list("bibtex_key", flat=True)) == {"shedden2003", "brown1998"}
    shedden = Citation.objects.by_identifier("shedden2003")
    assert shedden.journal.startswith("Cancer Res") and shedden.year == 2003
    assert Evidence.objects.filter(citation=shedden).exists()


def test_studies_outside_breast_cancer_say_so(seeded):
    outside = Evidence.objects.exclude(cancer_type__slug="breast-cancer")
    assert outside.count() == 16
    names = set(outside.values_list("cancer_type__name", flat=True))
    assert {"glioblastoma", "stomach cancer", "B-cell lymphoma"} <= names
    assert all(item.curation_note for item in outside)


def test_the_review_abbreviations_resolve(seeded):
    assert Drug.objects.by_name("ADM").name == "doxorubicin"
    assert Drug.objects.by_name("DOX").name == "doxorubicin"
    assert Drug.objects.by_name("PTX").name == "paclitaxel"
    assert Drug.objects.by_name("5-FU").name == "fluorouracil"
    assert Drug.objects.by_name("Nolvadex").name == "tamoxifen"
    assert Cargo.objects.by_name("P-gp").symbol == "ABCB1"
    assert Cargo.objects.by_name("UCH-L1").symbol == "UCHL1"
    assert Cargo.objects.by_name("miR-155").symbol == "hsa-miR-155-5p"
    assert Cell.objects.by_name("MCF7").name == "MCF-7"


def test_a_resistant_derivative_points_to_its_parental_line(seeded):
    derivatives = Cell.objects.filter(kind="resistant_line")
    assert derivatives.exists()
    assert not derivatives.filter(parent__isnull=True).exists()


def test_loading_twice_changes_nothing(seeded):
    tables = [Citation, Evidence, Drug, Cargo, Cell, Mechanism, TherapyClass]
    before = {model: (model.objects.count(), model.history.count()) for model in tables}
    links = Evidence.drugs.through.objects.count() + Evidence.cargos.through.objects.count()
    call_command("load_seed", "--no-progress", verbosity=0)
    assert {model: (model.objects.count(), model.history.count()) for model in tables} == before
    assert Evidence.drugs.through.objects.count() + Evidence.cargos.through.objects.count() == links


def test_what_each_finding_rests_on_is_curated(seeded):
    """Issue 12: the audit's 16 findings without a drug read-out, and 3 that are not vesicle transfer."""
    assert Evidence.objects.filter(drug_response_measured=False).count() == 16
    independent = Evidence.objects.filter(vesicle_involvement="vesicle_independent")
    assert set(independent.values_list("citation__bibtex_key", flat=True)) == {
        "levchenko2005",
        "ma2012",
        "monypenny2018",
    }
    assert set(independent.values_list("ev_type", flat=True)) == {"none"}
    assert Evidence.objects.get(citation__bibtex_key="bebawy2009").ev_type == "microparticle"
    assert not Evidence.objects.get(citation__bibtex_key="monypenny2018").cargos.exists()  # PD-L1 on the surface


def test_the_audits_corrections_hold(seeded):
    assert not Evidence.objects.filter(import_key__startswith="milano2020").exists()  # no cancer, no resistance
    fujiwara = Evidence.objects.get(import_key="fujiwara2018b-oral-exosomes-emt-cetuximab")
    assert fujiwara.effect == "confers_resistance" and not fujiwara.drug_response_measured
    assert "Semina et al., 2018)" in Evidence.objects.get(import_key__startswith="semina2018").source_quote
    assert "(Poggio et al., 2019)" in Evidence.objects.get(import_key__startswith="poggio2019").source_quote
    zhang = Evidence.objects.filter(citation__bibtex_key="zhang2015")
    assert set(zhang.values_list("source_cell__slug", flat=True)) == {"mcf-7-adr", "mcf-7-doc"}
    sun = Evidence.objects.get(citation__bibtex_key="sun2018")
    assert sun.effect == "reverses_resistance" and not sun.drug_response_measured
    assert set(Evidence.objects.filter(citation__bibtex_key__in=["ning2017", "martinez2017"], level="B")
               .values_list("citation__bibtex_key", flat=True)) == {"ning2017", "martinez2017"}  # fmt: skip
    assert Evidence.objects.get(import_key__startswith="kavanagh2017").effect != "biomarker"


def test_the_audits_identifier_and_citation_fixes_hold(seeded):
    hgnc = dict(Cargo.objects.filter(symbol__in=["ABCG2", "GSTP1", "BIRC5", "PDCD1", "H19", "HOTAIR"])
                .values_list("symbol", "hgnc"))  # fmt: skip
    assert hgnc == {"ABCG2": "HGNC:74", "GSTP1": "HGNC:4638", "BIRC5": "HGNC:593", "PDCD1": "HGNC:8760",
                    "H19": "HGNC:4713", "HOTAIR": "HGNC:33510"}  # fmt: skip
    assert Cargo.objects.get(slug="hsa-mir-567").mirbase == "MIMAT0003231"
    assert Cell.objects.get(slug="ccrf-cem").cellosaurus == "CVCL_0207"
    assert Cargo.objects.by_name("DARS-AS1 siRNA").symbol.startswith("DARS1-AS1")
    assert "nanoplatform" in Citation.objects.get(bibtex_key="liu2023a").title
    assert set(Citation.objects.filter(bibtex_key__in=["muluhngwi2017", "li2018"])
               .values_list("publication_type", flat=True)) == {"review"}  # fmt: skip


def test_modifiers_and_payloads_are_not_treatments(seeded):
    """Issue 12: guggulsterone, bexarotene, indometacin, beta-elemene and sirolimus modify
    resistance; curcumin and hydroxychloroquine are delivered by the vesicles."""
    from evidence.models import EvidenceDrug

    roles = dict(EvidenceDrug.objects.exclude(role="treatment").values_list("drug__slug", "role").distinct())
    assert roles == {"guggulsterone": "modifier", "bexarotene": "modifier", "indometacin": "modifier",
                     "beta-elemene": "modifier", "sirolimus": "modifier", "cetuximab": "modifier",
                     "ldn-57444": "modifier", "u18666a": "modifier",
                     "curcumin": "payload", "hydroxychloroquine": "payload"}  # fmt: skip


def test_cargo_families_and_silencing_targets(seeded):
    """Issue 11, item 4: TGFB1 is in the TGF-β family; siRNAs and antagomirs name their targets."""
    from evidence.models import Cargo, CargoReach, Evidence

    assert Cargo.objects.get(slug="tgfb1").family.slug == "tgf-beta"
    assert Cargo.objects.get(slug="anti-mir-214").targets.get().slug == "hsa-mir-214"
    reached = CargoReach.objects.reasons([Cargo.objects.get(slug="dars1-as1").pk])
    assert reached[Cargo.objects.get(slug="dars-as1-sirna").pk] == "targets DARS1-AS1"
    assert Evidence.objects.filter(cargos__slug="dars-as1-sirna").exists()


def test_reloading_keeps_what_editors_changed_since(seeded, django_user_model):
    # Every deploy runs load_seed: it must not undo an editor's retraction or an accepted change.
    from evidence.curation.workflow import save_with_history

    editor = django_user_model.objects.create(username="editor")
    citation = Citation.objects.filter(retracted=False).first()
    citation.retracted, citation.retraction_note = True, "Retracted in 2026 (notice 10.1000/x)."
    save_with_history(citation, editor, "Retraction notice")
    evidence = Evidence.objects.get(import_key=Evidence.objects.order_by("id")[0].import_key)
    evidence.level, drugs = "E", list(evidence.drugs.all())
    save_with_history(evidence, editor, "Accepted revision")
    evidence.drugs.clear()

    out = io.StringIO()
    call_command("load_seed", "--no-progress", stdout=out)
    citation.refresh_from_db()
    evidence.refresh_from_db()
    assert citation.retracted and citation.retraction_note.startswith("Retracted in 2026")
    assert evidence.level == "E" and not evidence.drugs.exists() and drugs
    assert "1 kept as edited since the seed loaded them" in out.getvalue()
