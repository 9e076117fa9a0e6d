import pytest
from django.contrib.auth.models import Group
from django.test import Client

from evidence.choices import Status
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
    UserFactory,
)

ROLES = ["anonymous", "reader", "curator", "editor", "superuser"]


@pytest.fixture
def graph(db):
    """One accepted evidence item with every relation filled, so every detail route has an object."""
    drug = DrugFactory(name="doxorubicin", slug="doxorubicin")
    DrugAliasFactory(entity=drug, name="ADM")
    cargo = CargoFactory(symbol="hsa-miR-155-5p", slug="hsa-mir-155-5p")
    CargoAliasFactory(entity=cargo, name="miR-155")
    parent = MechanismFactory(slug="drug-efflux", name="Drug efflux")
    mechanism = MechanismFactory(slug="abc-transporter", name="ABC transporter", parent=parent)
    evidence = EvidenceFactory(
        statement="Exosomal miR-155 from resistant MCF-7 cells confers doxorubicin resistance.",
        source_cell=CellFactory(name="MCF-7/ADR", slug="mcf-7-adr"),
        recipient_cell=CellFactory(name="MCF-7", slug="mcf-7"),
        secondary_source=CitationFactory(),
        drugs=[drug],
        cargos=[cargo],
        mechanisms=[mechanism],
        status=Status.ACCEPTED,
    )
    return evidence


def make_client(role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    if role == "reader":
        user = UserFactory(username="reader")
    elif role == "curator":
        user = UserFactory(username="curator", groups=["Curators"])
    elif role == "editor":
        user = UserFactory(username="editor", groups=["Editors"])
    else:
        user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    assert Group.objects.filter(name="Curators").exists()
    client.force_login(user)
    return client


@pytest.fixture
def role_client(db):
    return make_client
