import pytest

from evidence.choices import CargoKind, CellKind
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    DrugAliasFactory,
    DrugFactory,
    MechanismFactory,
    TherapyClassFactory,
)


@pytest.fixture
def vocabulary(db):
    """The drugs, cargos, cells and terms that fixtures/evidence-example.tsv names."""
    chemo = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    dox = DrugFactory(name="doxorubicin", slug="doxorubicin", therapy_class=chemo)
    DrugAliasFactory(entity=dox, name="ADM")
    CargoFactory(symbol="hsa-miR-222-3p", slug="hsa-mir-222-3p", kind=CargoKind.MIRNA)
    uchl1 = CargoFactory(symbol="UCHL1", slug="uchl1", kind=CargoKind.PROTEIN)
    CargoAliasFactory(entity=uchl1, name="UCH-L1")
    mcf7 = CellFactory(name="MCF-7", slug="mcf-7")
    CellFactory(name="MCF-7/ADR", slug="mcf-7-adr", kind=CellKind.RESISTANT_LINE, parent=mcf7)
    MechanismFactory(slug="cell-cycle", name="Cell cycle arrest escape")
    MechanismFactory(slug="drug-efflux", name="Drug efflux")
    return {"chemotherapy": chemo, "doxorubicin": dox, "uchl1": uchl1, "mcf7": mcf7}
