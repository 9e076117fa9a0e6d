"""What ``q`` finds on the evidence list: words from their start, synonyms, hostile input.

``search_vector @@ tsquery`` (migration 0007).
"""

import pytest
from django.db import connection

from evidence.models import Evidence
from evidence.models.search_text import VECTOR_SQL, SearchTerms, search_words, tsquery
from tests.api.helpers import ids, pub
from tests.factories import CargoFactory, DrugAliasFactory, DrugFactory, EvidenceFactory

URL = "/api/v1/evidence/"


def found(api, text: str) -> set[str]:
    response = api.get(URL, {"q": text})
    assert response.status_code == 200, response.content
    return ids(response)


@pytest.fixture
def taxanes(corpus):
    ptx = DrugFactory(name="paclitaxel", slug="paclitaxel")
    DrugAliasFactory(entity=ptx, name="Taxol")
    corpus["e5"] = EvidenceFactory(
        statement="Exosomal miR-221 after co-culture with TAMs confers paclitaxel resistance.", drugs=[ptx]
    )
    corpus["e6"] = EvidenceFactory(statement="Épithélial vesicles; 5-FU and β-catenin in co culture.")
    return corpus


@pytest.mark.parametrize(
    "text, expected",
    [
        ("paclitax", ["e5"]),  # the last word may be partial
        ("PACLITAXEL", ["e5"]),  # case
        ("taxol", ["e5"]),  # a drug alias
        ("miR-2", ["e3", "e4", "e5"]),  # mir, then a word starting with 2: hsa-miR-21-5p, miR-221
        ("mir 22", ["e5"]),
        ("miR-155", ["e1"]),  # synonym: hsa-miR-155-5p
        ("miR155", ["e1"]),  # its key
        ("mcf7", ["e1", "e2", "e3"]),  # MCF-7 by its key
        ("MCF-7/AD", ["e1", "e2"]),
        ("co-culture", ["e5", "e6"]),  # punctuation and spacing between words are ignored
        ("co culture", ["e5", "e6"]),
        ("5-fu", ["e6"]),
        ("β-caten", ["e6"]),  # non-ASCII letters are word letters
        ("épithélial", ["e6"]),  # accents kept, case ignored
        ("ÉPITHÉLIAL", ["e6"]),
        ("stromal vesicles and", ["e2", "e4"]),  # a phrase across words of the citation title
        ("taxel", []),  # words match from their start only (a substring search found e5)
        ("culture co", []),  # in order
        ("co-cultures", []),
    ],
)
def test_q_matches_words_from_their_start(api, taxanes, text, expected):
    assert found(api, text) == pub(*(taxanes[name] for name in expected))


@pytest.mark.parametrize(
    "text",
    [
        "%",
        "_",
        "%_\\" * 70,
        "'",
        "''",
        '"',
        "\\",
        "\\'",
        "&",
        "|",
        "!",
        "()",
        ":*",
        "<->",
        "<2>",
        "a & b",
        "mir & !155",
        "(mir | x):*",
        "'mir':* | 'x'",
        "mir:* <-> 155",
        "x" * 5000,
        "mir-" * 300,
        "a " * 300,
        "🙂",
        "k=mcf7",
        "\u2014",
    ],
)
def test_hostile_queries_are_harmless(api, taxanes, text):
    response = api.get(URL, {"q": text})
    assert response.status_code == 200, response.content


def test_operators_are_words_or_nothing(api, taxanes):
    assert found(api, "%") == set()  # no letter or digit: nothing
    assert found(api, "&|!():*<->") == set()
    assert found(api, "mir & !155") == found(api, "mir 155") == pub(taxanes["e1"])  # & and ! are separators
    assert found(api, "'paclitax'") == pub(taxanes["e5"])
    assert found(api, "k=mcf7") == set()  # the key tokens are not text


def test_the_words_of_a_query():
    words = ["hsa", "mir", "21", "5p", "mcf", "7", "adr", "x", "β"]
    assert search_words("Hsa-miR-21*5p, MCF-7/ADR\u2013x 'β'") == words
    assert tsquery("it's") == ("'it' <-> 's':*", "'k=its' | 'b=its'")
    assert tsquery("%") == ("", "")


def test_key_tokens_are_only_added_when_a_name_needs_them(taxanes):
    assert SearchTerms.of("MCF-7").keys == ()  # every name called mcf7 holds the words
    assert SearchTerms.of("mcf7").keys == ("k=mcf7", "b=mcf7")
    assert SearchTerms.of("miR-155").keys == ()
    assert "k=mir155" not in SearchTerms.of("microRNA-155").keys


def test_a_search_inside_a_subquery_keeps_its_table(taxanes):
    inner = Evidence.objects.search("paclitax").values("pk")
    assert set(Evidence.objects.filter(pk__in=inner).values_list("pk", flat=True)) == {taxanes["e5"].pk}
    cargo = CargoFactory(symbol="LINC-ROR", slug="linc-ror")
    taxanes["e5"].cargos.add(cargo)
    assert list(Evidence.objects.filter(cargos__symbol="LINC-ROR").search("paclitax")) == [taxanes["e5"]]


def test_search_vector_follows_search_text(taxanes):
    """The generated column is rewritten with search_text: by signals and by refreshes."""

    def vector(item) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_vector::text FROM evidence_evidence WHERE id = %s", [item.pk])
            return cursor.fetchone()[0]

    e5 = taxanes["e5"]
    assert "'paclitaxel'" in vector(e5) and "'k=paclitaxel'" in vector(e5) and "'k=taxol'" in vector(e5)
    DrugAliasFactory(entity=e5.drugs.get(), name="Anzatax")  # a signal
    assert "'anzatax'" in vector(e5)
    Evidence.objects.filter(pk=e5.pk).update(statement="Rewritten without signals.", search_text="")
    assert vector(e5) == ""
    Evidence.objects.filter(pk=e5.pk).refresh_search_text()
    assert "'rewritten'" in vector(e5) and "'k=anzatax'" in vector(e5)


def test_the_migration_and_the_module_build_the_same_vector(taxanes):
    import importlib

    migration = importlib.import_module("evidence.migrations.0007_search_vector")
    assert migration.VECTOR_SQL == VECTOR_SQL
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            "WHERE d.adrelid = 'evidence_evidence'::regclass AND a.attname = 'search_vector'"
        )
        assert "to_tsvector('simple'::regconfig" in cursor.fetchone()[0]
