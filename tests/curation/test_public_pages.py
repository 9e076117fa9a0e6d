"""What readers see of curation on public pages: "last changed", the flag link, the downloads page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evidence.choices import Status
from tests.factories import CargoFactory, CellFactory, DrugFactory, EvidenceFactory, MechanismFactory

pytestmark = pytest.mark.django_db


def test_an_evidence_page_links_to_the_flag_form_and_the_footer_to_the_downloads(client):
    item = EvidenceFactory(status=Status.ACCEPTED)
    page = client.get(item.get_absolute_url()).content.decode()
    assert reverse("evidence_flag", args=[item.public_id]) in page
    assert f'href="{reverse("downloads")}"' in page
    assert "Last changed" in page


def test_entity_and_citation_pages_say_when_they_last_changed(client):
    drug, cargo, cell, mechanism = DrugFactory(), CargoFactory(), CellFactory(), MechanismFactory()
    item = EvidenceFactory(
        status=Status.ACCEPTED, drugs=[drug], cargos=[cargo], mechanisms=[mechanism], source_cell=cell
    )
    for obj in (item.citation, drug, cargo, cell, mechanism, item.therapy_class):
        page = client.get(obj.get_absolute_url()).content.decode()
        assert "Last changed" in page and obj.modified.strftime("%Y-%m-%d") in page, obj
