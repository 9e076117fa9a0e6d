"""Every curation path stores "not applicable" as the subtype of a finding in another cancer than
breast cancer, and refuses a breast cancer subtype there with a message naming both."""

import hashlib
import json

import pytest
from django.core.management import CommandError
from django.urls import reverse

from evidence.choices import Status, Subtype
from evidence.curation.release import export_release, import_release
from evidence.curation.tsv import import_evidence_tsv
from evidence.models import Cell, Citation, Evidence, TherapyClass
from evidence.models.evidence import SUBTYPE_FITTED
from tests.curation.test_admin_curation import form_data
from tests.curation.test_tsv_import import citations, tsv  # noqa: F401 (a fixture)
from tests.factories import CancerTypeFactory, EvidenceFactory
from tests.test_load_seed_errors import load, seed_dir  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

REFUSED = (
    "triple-negative is a breast cancer subtype, but the finding is in lymphoma: correct the cancer type, or set "
    'the subtype to "not applicable (not breast cancer)".'
)


@pytest.fixture
def lymphoma(db):
    return CancerTypeFactory(slug="lymphoma", name="lymphoma")


def test_the_admin_form_refuses_a_breast_subtype_on_another_cancer_and_stores_not_applicable(curator_client, lymphoma):
    item = EvidenceFactory(status=Status.DRAFT, subtype=Subtype.TNBC)
    url = reverse("admin:evidence_evidence_change", args=[item.pk])
    response = curator_client.post(url, form_data(item, cancer_type=lymphoma.pk))
    assert response.status_code == 200
    assert REFUSED.replace('"', "&quot;") in response.content.decode()
    assert Evidence.objects.get(pk=item.pk).subtype == Subtype.TNBC
    response = curator_client.post(url, form_data(item, cancer_type=lymphoma.pk, subtype="unspecified"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Evidence.objects.get(pk=item.pk).subtype == Subtype.NOT_APPLICABLE


def test_the_tsv_import_refuses_a_breast_subtype_on_another_cancer_and_reimports_unchanged(citations, lymphoma):  # noqa: F811
    report = import_evidence_tsv(tsv({"key": "x1", "cancer_type": "lymphoma", "subtype": "tnbc"}))
    assert not report.saved and [str(problem) for problem in report.errors] == [f"row 2, column subtype: {REFUSED}"]
    assert not Evidence.objects.exists()
    data = tsv({"key": "x1", "cancer_type": "lymphoma", "subtype": ""})
    assert import_evidence_tsv(data).saved
    item = Evidence.objects.get(import_key="x1")
    assert item.subtype == Subtype.NOT_APPLICABLE
    again = import_evidence_tsv(data)
    assert again.unchanged == 1 and again.updated == 0 and Evidence.objects.get(pk=item.pk).version == item.version


EVIDENCE_ROW = (
    "- key: e1\n  statement: Vesicle export of doxorubicin.\n  citation: c1\n  therapy_class: chemotherapy\n"
    "  effect: confers_resistance\n  evidence_type: predictive\n  level: D\n  cancer_type: b-cell-lymphoma\n"
)


def test_the_seed_loader_stores_not_applicable_idempotently_and_refuses_a_breast_subtype(seed_dir):  # noqa: F811
    (seed_dir / "citations.yaml").write_text("- key: c1\n  doi: 10.1000/c1\n  title: Vesicles\n  year: 2020\n")
    for said in ("", "  subtype: unspecified\n"):
        (seed_dir / "evidence.yaml").write_text(EVIDENCE_ROW + said)
        load(seed_dir)
        item = Evidence.objects.get(import_key="e1")
        assert (item.subtype, item.version) == (Subtype.NOT_APPLICABLE, 1)
    (seed_dir / "evidence.yaml").write_text(EVIDENCE_ROW + "  subtype: tnbc\n")
    with pytest.raises(CommandError) as caught:
        load(seed_dir)
    assert (
        str(caught.value)
        == f"Nothing was loaded. evidence.yaml entry 1 (e1): subtype: {REFUSED.replace('lymphoma', 'B-cell lymphoma')}"
    )
    assert Evidence.objects.get(import_key="e1").subtype == Subtype.NOT_APPLICABLE


def test_a_release_calling_another_cancer_unspecified_is_imported_as_not_applicable(tmp_path, lymphoma):
    item = EvidenceFactory(status=Status.ACCEPTED, cancer_type=lymphoma)
    path = export_release("1", directory=tmp_path)
    data, manifest = path / "exoresist-1.json", json.loads((path / "manifest.json").read_text())
    payload = json.loads(data.read_text())
    payload["evidence"][0]["subtype"] = "unspecified"  # as a release may say it
    for file, text in ((data, json.dumps(payload)), (path / "manifest.json", None)):
        file.chmod(0o644)
        if text is not None:
            file.write_text(text)
            manifest["files"][file.name]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
        else:
            file.write_text(json.dumps(manifest))
    for model in (Evidence, Citation, Cell, TherapyClass):
        model.objects.all().delete()
    import_release(path)
    assert Evidence.objects.get(pk=item.pk).subtype == Subtype.NOT_APPLICABLE
    # The release's value, then the stored one, each with why.
    imported, fitted = item.history.order_by("-history_id")[:2][::-1]
    assert [(v.history_type, v.subtype, v.history_change_reason) for v in (imported, fitted)] == [
        ("+", "unspecified", "Imported from release 1"),
        ("~", "not_applicable", SUBTYPE_FITTED),
    ]
    assert fitted.version == imported.version + 1 == Evidence.objects.get(pk=item.pk).version
