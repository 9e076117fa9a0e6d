"""POST/GET /api/v1/recognise/ and ``manage.py recognise``: the same mentions, public names
for anonymous clients, bounded input, the automaton rebuilt after a change of names."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.throttling import AnonRateThrottle

from evidence import recognition
from evidence.api.views import RECOGNISE_MAX_BODY
from evidence.choices import CellKind, Status, Subtype
from evidence.recognition import MAX_TEXT_LENGTH, RESISTANCE_DESCRIPTION
from tests.factories import CellFactory, DrugAliasFactory, DrugFactory, EvidenceFactory

URL = "/api/v1/recognise/"
TEXT = "Exosomes from MCF7/ADR cells carried miR155 and P gp, spreading Adriamycin resistance to MCF-7 cells."
EXPECTED = [
    ("cell", "mcf-7-adr", "MCF7/ADR"),
    ("cargo", "hsa-mir-155-5p", "miR155"),
    ("cargo", "abcb1", "P gp"),
    ("drug", "doxorubicin", "Adriamycin"),
    ("cell", "mcf-7", "MCF-7"),
]


def summary(mentions, text=TEXT):
    for mention in mentions:
        assert text[mention["start"] : mention["end"]] == mention["text"]
    return [(m["kind"], m["slug"], m["text"]) for m in mentions]


@pytest.fixture
def draft_drug(corpus, curator):
    """A drug only a draft names: not public yet."""
    drug = DrugFactory(name="secretinib", slug="secretinib", therapy_class=corpus["chemo"])
    EvidenceFactory(status=Status.DRAFT, created_by=curator, drugs=[drug], therapy_class=corpus["chemo"])
    return drug


def test_post_returns_each_mention_with_its_offsets(api, corpus):
    response = api.post(URL, {"text": TEXT}, format="json")
    assert response.status_code == 200, response.content
    assert summary(response.json()) == EXPECTED
    first = response.json()[0]
    assert first == {
        "kind": "cell",
        "slug": "mcf-7-adr",
        "name": "MCF-7/ADR",
        "text": "MCF7/ADR",
        "start": 14,
        "end": 22,
    }


def test_get_and_a_form_post_answer_the_same(api, corpus):
    posted = api.post(URL, {"text": TEXT}, format="json").json()
    assert api.get(URL, {"text": TEXT}).json() == posted
    assert api.post(URL, {"text": TEXT}).json() == posted  # form-encoded


def test_mechanisms_and_therapy_classes_are_recognised_too(api, corpus):
    text = "Chemotherapy-induced mesenchymal switch and drug efflux"
    mentions = api.post(URL, {"text": text}, format="json").json()
    assert summary(mentions, text) == [
        ("therapy_class", "chemotherapy", "Chemotherapy"),
        ("mechanism", "emt", "mesenchymal switch"),
        ("mechanism", "drug-efflux", "drug efflux"),
    ]


def test_cells_are_found_in_the_plural(api, corpus):
    text = "CAFs and MCF-7 cells"
    assert summary(api.post(URL, {"text": text}, format="json").json(), text) == [
        ("cell", "caf", "CAFs"),
        ("cell", "mcf-7", "MCF-7"),
    ]


@pytest.fixture
def resistant_lines(corpus, curator):
    """MCF-7/ADR resistant to doxorubicin ("ADR"), public; MDA-MB-231/DDP resistant to cisplatin
    ("DDP"), which only a draft uses."""
    DrugAliasFactory(entity=corpus["dox"], name="ADR")
    DrugAliasFactory(entity=corpus["cis"], name="DDP")
    mda231 = CellFactory(name="MDA-MB-231", slug="mda-mb-231", kind=CellKind.CELL_LINE, subtype=Subtype.TNBC)
    ddp = CellFactory(name="MDA-MB-231/DDP", slug="mda-mb-231-ddp", kind=CellKind.RESISTANT_LINE, parent=mda231)
    EvidenceFactory(
        status=Status.DRAFT, created_by=curator, drugs=[corpus["cis"]], source_cell=ddp, therapy_class=corpus["chemo"]
    )
    return corpus


DESCRIBED = "Exosomes of adriamycin-resistant breast cancer cells, not drug-resistant breast cancer cells."


def test_a_described_resistant_line_is_an_inferred_mention(api, resistant_lines):
    mentions = api.post(URL, {"text": DESCRIBED}, format="json").json()
    assert summary(mentions, DESCRIBED) == [
        ("drug", "doxorubicin", "adriamycin"),
        ("cell", "mcf-7-adr", "adriamycin-resistant breast cancer cells"),
    ]
    assert "inferred" not in mentions[0]
    assert mentions[1] == {
        "kind": "cell",
        "slug": "mcf-7-adr",
        "name": "MCF-7/ADR",
        "text": "adriamycin-resistant breast cancer cells",
        "start": 12,
        "end": 52,
        "inferred": RESISTANCE_DESCRIPTION,
    }
    assert api.get(URL, {"text": DESCRIBED}).json() == mentions


@pytest.mark.parametrize(
    "text",
    [
        "resistant breast cancer cells",
        "carboplatin-resistant breast cancer cells",  # no line resistant to it
        "adriamycin-resistant leukaemia cells",
        "Adriamycin made breast cancer cells resistant to ADR",
    ],
)
def test_what_describes_no_known_resistant_line_infers_nothing(api, resistant_lines, text):
    assert [m for m in api.post(URL, {"text": text}, format="json").json() if "inferred" in m] == []


def test_a_line_only_a_draft_uses_is_inferred_for_curators_only(api, curator_api, resistant_lines):
    text = "cisplatin-resistant TNBC cells"
    assert summary(api.post(URL, {"text": text}, format="json").json(), text) == [("drug", "cisplatin", "cisplatin")]
    assert summary(curator_api.post(URL, {"text": text}, format="json").json(), text) == [
        ("drug", "cisplatin", "cisplatin"),
        ("cell", "mda-mb-231-ddp", "cisplatin-resistant TNBC cells"),
    ]


def test_anonymous_clients_are_matched_against_public_names_only(api, curator_api, draft_drug):
    text = "Secretinib and doxorubicin"
    assert summary(api.post(URL, {"text": text}, format="json").json(), text) == [
        ("drug", "doxorubicin", "doxorubicin")
    ]
    assert summary(curator_api.post(URL, {"text": text}, format="json").json(), text) == [
        ("drug", "secretinib", "Secretinib"),
        ("drug", "doxorubicin", "doxorubicin"),
    ]


def test_an_empty_text_has_no_mentions(api, corpus):
    assert api.post(URL, {"text": ""}, format="json").json() == []
    assert api.get(URL, {"text": ""}).json() == []


@pytest.mark.parametrize(
    "body",
    [{}, {"text": None}, {"text": 12}, {"text": ["a"]}, {"text": {"a": 1}}, ["text"]],
    ids=["missing", "null", "number", "list", "object", "not-an-object"],
)
def test_a_body_without_a_text_is_a_400_naming_the_field(api, corpus, body):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert "text" in response.json() or "non_field_errors" in response.json()


def test_a_get_without_text_is_a_400(api, corpus):
    response = api.get(URL)
    assert response.status_code == 400
    assert "text" in response.json()


def test_a_text_over_the_limit_is_a_clear_400(api, corpus):
    response = api.post(URL, {"text": "x" * (MAX_TEXT_LENGTH + 1)}, format="json")
    assert response.status_code == 400
    assert "100,000 characters" in response.json()["text"][0]
    # At the limit it is read.
    text = ("doxorubicin " * (MAX_TEXT_LENGTH // 12 + 1))[:MAX_TEXT_LENGTH]
    response = api.post(URL, {"text": text}, format="json")
    assert response.status_code == 200
    assert len(response.json()) == MAX_TEXT_LENGTH // 12


def test_a_body_over_the_byte_limit_is_refused_unread_with_413(api, corpus):
    body = json.dumps({"text": "x" * RECOGNISE_MAX_BODY})
    response = api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 413
    assert "at most" in response.json()["detail"]


def test_nul_characters_are_refused(api, corpus):
    response = api.post(URL, {"text": "dox\x00orubicin"}, format="json")
    assert response.status_code == 400


def test_recognition_is_throttled_like_every_anonymous_read(api, corpus, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    statuses = [api.post(URL, {"text": "DOX"}, format="json").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_the_root_lists_the_endpoint(api, db):
    assert api.get("/api/v1/").json()["recognise"].endswith(URL)


def test_the_automaton_is_built_once_per_data_version(corpus, monkeypatch, django_capture_on_commit_callbacks):
    built = []
    real = recognition.Recogniser.__init__

    def counting(self, entries):
        built.append(len(entries))
        real(self, entries)

    monkeypatch.setattr(recognition.Recogniser, "__init__", counting)
    assert recognition.recognise("Hydroxydaunorubicin") == []
    assert recognition.recognise("Hydroxydaunorubicin") == []
    assert len(built) == 1
    # A new alias bumps the data version once committed: the next call rebuilds and finds it.
    with django_capture_on_commit_callbacks(execute=True):
        DrugAliasFactory(entity=corpus["dox"], name="hydroxydaunorubicin")
    assert summary(recognition.recognise("Hydroxydaunorubicin"), "Hydroxydaunorubicin") == [
        ("drug", "doxorubicin", "Hydroxydaunorubicin")
    ]
    assert len(built) == 2


# --- manage.py recognise ---------------------------------------------------


def run(monkeypatch, text, *args):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    out = io.StringIO()
    call_command("recognise", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_json_mentions(monkeypatch, corpus):
    mentions = json.loads(run(monkeypatch, TEXT))
    assert summary(mentions) == EXPECTED
    assert mentions == recognition.recognise(TEXT)


def test_the_command_prints_one_mention_a_line_as_text(monkeypatch, corpus):
    lines = run(monkeypatch, TEXT, "--format", "text").splitlines()
    assert lines[0] == "14\t22\tcell\tmcf-7-adr\tMCF7/ADR"
    assert len(lines) == len(EXPECTED)


def test_the_command_reads_non_ascii_utf8_bytes(monkeypatch, corpus):
    text = "Über MCF‑7/ADR — Adriamycin"
    stdin = io.TextIOWrapper(io.BytesIO(("\ufeff" + text).encode("utf-8")), encoding="latin-1")
    monkeypatch.setattr("sys.stdin", stdin)
    out = io.StringIO()
    call_command("recognise", stdout=out)
    assert summary(json.loads(out.getvalue()), text) == [
        ("cell", "mcf-7-adr", "MCF‑7/ADR"),
        ("drug", "doxorubicin", "Adriamycin"),
    ]


def test_the_command_refuses_bytes_that_are_not_utf8(monkeypatch, corpus):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"MCF-7 \xff\xfe cells")))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("recognise", stdout=io.StringIO())


def test_the_command_on_empty_input_prints_an_empty_list(monkeypatch, corpus):
    assert json.loads(run(monkeypatch, "")) == []
    assert run(monkeypatch, "", "--format", "text") == ""


def test_the_command_refuses_an_unknown_format(monkeypatch, corpus):
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        run(monkeypatch, TEXT, "--format", "xml")


def test_the_command_marks_inferred_mentions(monkeypatch, resistant_lines):
    mentions = json.loads(run(monkeypatch, DESCRIBED))
    assert mentions == recognition.recognise(DESCRIBED)
    assert [m["slug"] for m in mentions if m.get("inferred") == RESISTANCE_DESCRIPTION] == ["mcf-7-adr"]
    text = "adriamycin-resistant\nbreast cancer cells"
    assert run(monkeypatch, text, "--format", "text").splitlines() == [
        "0\t10\tdrug\tdoxorubicin\tadriamycin",
        "0\t40\tcell\tmcf-7-adr\tadriamycin-resistant breast cancer cells\tinferred: resistance description",
    ]
    assert json.loads(run(monkeypatch, "cisplatin-resistant TNBC cells", "--unpublished"))[1]["inferred"] == (
        RESISTANCE_DESCRIPTION
    )


def test_the_command_sees_unpublished_names_only_when_asked(monkeypatch, draft_drug):
    assert json.loads(run(monkeypatch, "secretinib")) == []
    assert summary(json.loads(run(monkeypatch, "secretinib", "--unpublished")), "secretinib") == [
        ("drug", "secretinib", "secretinib")
    ]
