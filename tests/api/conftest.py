import pytest
from rest_framework.test import APIClient

from evidence.choices import CargoKind, CellKind, Effect, EvidenceLevel, Status, Subtype
from tests.conftest import built_once
from tests.factories import (
    CancerTypeFactory,
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugClassFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
    TherapyClassFactory,
)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def curator_api(curator):
    client = APIClient()
    client.force_authenticate(curator)
    return client


@pytest.fixture
def editor_api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def corpus(db):
    """A small, hand-shaped corpus: every filter has something to find and something to miss."""
    return build_corpus()


@pytest.fixture(scope="module")
def corpus_for_module(django_db_setup, django_db_blocker):
    """The corpus built once for a module whose tests leave its objects as they are (``built_once``)."""
    yield from built_once(django_db_blocker, build_corpus)


def build_corpus() -> dict:
    chemo = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    endocrine = TherapyClassFactory(slug="endocrine-therapy", name="Endocrine therapy")
    dox = DrugFactory(name="doxorubicin", slug="doxorubicin", therapy_class=chemo)
    DrugAliasFactory(entity=dox, name="ADM")
    DrugAliasFactory(entity=dox, name="adriamycin")
    cis = DrugFactory(name="cisplatin", slug="cisplatin", therapy_class=chemo)
    carbo = DrugFactory(name="carboplatin", slug="carboplatin", therapy_class=chemo)
    tam = DrugFactory(name="tamoxifen", slug="tamoxifen", therapy_class=endocrine, drug_class="SERM")
    tam.classes.add(DrugClassFactory(slug="anti-estrogens", name="anti-estrogens", atc="L02BA", synonyms=["SERM"]))
    mir155 = CargoFactory(symbol="hsa-miR-155-5p", slug="hsa-mir-155-5p", kind=CargoKind.MIRNA)
    mir21 = CargoFactory(symbol="hsa-miR-21-5p", slug="hsa-mir-21-5p", kind=CargoKind.MIRNA)
    pgp = CargoFactory(symbol="ABCB1", slug="abcb1", kind=CargoKind.PROTEIN, name="P-glycoprotein")
    CargoAliasFactory(entity=pgp, name="P-gp")
    mcf7 = CellFactory(name="MCF-7", slug="mcf-7", kind=CellKind.CELL_LINE, subtype=Subtype.LUMINAL)
    mcf7adr = CellFactory(name="MCF-7/ADR", slug="mcf-7-adr", kind=CellKind.RESISTANT_LINE, parent=mcf7)
    caf = CellFactory(name="CAF", slug="caf", kind=CellKind.FIBROBLAST)
    efflux = MechanismFactory(slug="drug-efflux", name="Drug efflux")
    abc = MechanismFactory(slug="abc-transporter", name="ABC transporter upregulation", parent=efflux)
    emt = MechanismFactory(slug="emt", name="Epithelial-mesenchymal transition", synonyms=["mesenchymal switch"])
    c2015 = CitationFactory(doi="10.1000/alpha", pmid="111", year=2015, title="Exosomes shuttle P-gp")
    c2019 = CitationFactory(doi="10.1000/beta", pmid="222", year=2019, title="Stromal vesicles and tamoxifen")
    c2022 = CitationFactory(
        doi="10.1000/gamma", pmid="333", year=2022, title="A retracted tale", retracted=True, retraction_note="Fraud."
    )
    e1 = EvidenceFactory(
        statement="Exosomal miR-155 from MCF-7/ADR cells confers doxorubicin resistance.",
        drugs=[dox],
        cargos=[mir155],
        mechanisms=[abc],
        source_cell=mcf7adr,
        recipient_cell=mcf7,
        therapy_class=chemo,
        level=EvidenceLevel.D,
        subtype=Subtype.LUMINAL,
        citation=c2015,
    )
    e2 = EvidenceFactory(
        statement="Exosomal P-gp transfers multidrug resistance.",
        drugs=[dox, cis],
        cargos=[pgp],
        mechanisms=[efflux],
        source_cell=mcf7adr,
        recipient_cell=mcf7,
        therapy_class=chemo,
        level=EvidenceLevel.C,
        subtype=Subtype.TNBC,
        citation=c2019,
    )
    e3 = EvidenceFactory(
        statement="CAF exosomes carrying miR-21 reverse tamoxifen sensitivity.",
        drugs=[tam],
        cargos=[mir21],
        mechanisms=[emt],
        source_cell=caf,
        recipient_cell=mcf7,
        therapy_class=endocrine,
        effect=Effect.BIOMARKER,
        level=EvidenceLevel.B,
        cancer_type=CancerTypeFactory(slug="ductal-carcinoma", name="ductal carcinoma"),
        citation=c2022,
    )
    e4 = EvidenceFactory(
        statement="Carboplatin resistance follows vesicle transfer.",
        drugs=[carbo],
        cargos=[mir21],
        therapy_class=chemo,
        level=EvidenceLevel.A,
        citation=c2019,
    )
    draft = EvidenceFactory(
        statement="Unreviewed draft: SECRET miR-155 finding.",
        drugs=[dox],
        cargos=[mir155],
        therapy_class=chemo,
        status=Status.DRAFT,
        citation=c2015,
    )
    return {
        "e1": e1, "e2": e2, "e3": e3, "e4": e4, "draft": draft,
        "dox": dox, "cis": cis, "carbo": carbo, "tam": tam, "mir155": mir155, "mir21": mir21, "pgp": pgp,
        "mcf7": mcf7, "mcf7adr": mcf7adr, "caf": caf, "c2015": c2015, "c2019": c2019, "c2022": c2022,
        "chemo": chemo, "endocrine": endocrine, "efflux": efflux, "abc": abc, "emt": emt,
    }  # fmt: skip
