"""What ``q`` finds on the evidence list, in what order, and what it refuses to break on.

The syntax is ``evidence/models/search.py``'s; the document is migration 0013's.
"""

import pytest

from evidence.choices import CargoKind
from evidence.models import Evidence
from evidence.models.search import MAX_TERMS, TextQuery, _needs_keys, parse, search_words
from tests.api.conftest import build_corpus
from tests.api.helpers import ids, pub
from tests.conftest import built_once
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugFactory,
    EvidenceFactory,
)

URL = "/api/v1/evidence/"


def found(api, text: str) -> set[str]:
    response = api.get(URL, {"q": text})
    assert response.status_code == 200, response.content
    return ids(response)


@pytest.fixture(scope="module")
def taxanes_for_module(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, lambda: with_taxanes(build_corpus()))


@pytest.fixture
def taxanes(taxanes_for_module, db):
    # Built once per module: no test here changes its objects in memory.
    return taxanes_for_module


@pytest.fixture
def corpus(taxanes):
    return taxanes


def with_taxanes(corpus: dict) -> dict:
    """The corpus and a paclitaxel paper found by author and year, and a text in other scripts."""
    ptx = DrugFactory(name="paclitaxel", slug="paclitaxel")
    DrugAliasFactory(entity=ptx, name="Taxol")
    santos = CitationFactory(
        authors=["Santos, J. C.", "Ribeiro, M. L."], year=2018, journal="Oncotarget", title="Resistant cells talk",
        doi="10.18632/oncotarget.24444", pmid="29541383",
    )  # fmt: skip
    corpus["e5"] = EvidenceFactory(
        statement="Exosomal miR-221 after co-culture with TAMs confers paclitaxel resistance.",
        drugs=[ptx],
        citation=santos,
        source_quote="TAM-derived vesicles delivered miR-221 to the recipient cells.",
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
        ("miR-155", ["e1"]),  # synonym: hsa-miR-155-5p
        ("miR155", ["e1"]),  # its key
        ("mcf7", ["e1", "e2", "e3"]),  # MCF-7 by its key
        ("MCF-7/AD", ["e1", "e2"]),
        ("co-culture", ["e5", "e6"]),  # punctuation and spacing between words are ignored
        ("co culture", ["e5", "e6"]),
        ("co-cultures", ["e5", "e6"]),  # by stem
        ("5-fu", ["e6"]),
        ("β-caten", ["e6"]),  # non-ASCII letters are word letters
        ("epithelial", ["e3", "e6"]),  # accents ignored; e3's mechanism is epithelial-mesenchymal
        ("ÉPITHÉLIAL", ["e3", "e6"]),
        ("taxel", []),  # words match from their start only
        # Every word, in any order, across fields.
        ("doxorubicin miR-155", ["e1"]),
        ("miR-155 doxorubicin", ["e1"]),
        ("exosomes tamoxifen", ["e2", "e3"]),  # stem: exosomes finds exosomal, across statement, drug, title
        ("culture co", ["e5", "e6"]),
        ("tamoxifen stromal", ["e2", "e4"]),  # the citation title
        ("efflux", ["e1", "e2"]),  # mechanism names, a broader term's too (e1: ABC transporter)
        ("ABC transporter", ["e1"]),
        ("endocrine therapy", ["e3"]),  # the therapy class
        ("ductal carcinoma", ["e3"]),  # the cancer type
        ("recipient TAM vesicles", ["e5"]),  # the supporting quote
        # The citation: authors, year, journal, DOI, PMID; "et al." is ignored.
        ("Santos 2018", ["e5"]),
        ("Santos et al. 2018", ["e5"]),
        ("santos et al", ["e5"]),
        ("Santos 2019", []),
        ("oncotarget", ["e5"]),
        ("10.18632/oncotarget.24444", ["e5"]),
        ("29541383", ["e5"]),
        # Phrases, exclusion, or.
        ('"co-culture with TAMs"', ["e5"]),
        ('"TAMs with co-culture"', []),
        ("resistance -doxorubicin", ["e4", "e5", "e6"]),  # e6: its citation's title
        ('miR -"miR-21"', ["e1", "e5"]),
        ("carboplatin or cisplatin", ["e2", "e4"]),
        ("carboplatin OR cisplatin resistance", ["e2", "e4"]),
        ("-doxorubicin", []),  # nothing to look for
    ],
)
def test_q_finds_words_in_any_order_across_every_field(api, taxanes, text, expected):
    assert found(api, text) == pub(*(taxanes[name] for name in expected))


def test_a_stop_word_at_either_end_of_a_phrase_is_kept(api, taxanes):
    """ "her" and "t" are English stop words: stemmed away, "HER-2" was the word "2" and a
    prefix of every year and miR-21, and "T-cell" was "cell"."""
    her2 = EvidenceFactory(statement="HER-2 positive cells released vesicles.")
    t_cells = EvidenceFactory(statement="Vesicles reached T-cells.")
    assert found(api, "HER-2") == found(api, '"her 2"') == pub(her2)
    assert found(api, "T-cell") == pub(t_cells)
    assert found(api, "cells") >= pub(her2, t_cells)  # a phrase of one word is stemmed still
    assert found(api, '"after co-culture"') == pub(taxanes["e5"])
    assert found(api, '"cultures with TAM"') == pub(taxanes["e5"])  # a stop word inside: stems still


def test_a_name_is_found_however_a_paper_hyphenates_it_or_writes_its_greek_letters(api, taxanes):
    split = EvidenceFactory(statement="Vesicular PD-L1 on MCF-7/ADM cells; TGF-β1 signalling.")
    joined = EvidenceFactory(statement="PDL1 on SKBR3 vesicles raised TGF-beta1.")
    assert found(api, "PDL1") == found(api, "PD-L1") == found(api, "pd-l") == pub(split, joined)
    assert found(api, "SK-BR-3") == found(api, "skbr3") == pub(joined)
    assert found(api, "MCF7 vesicular") == pub(split)  # MCF7 (not last: no prefix) in "MCF-7/ADM"
    for text in ("TGF-beta", "TGF-β", "TGF-β1", "TGF-beta1"):
        assert found(api, text) == pub(split, joined), text
    assert found(api, '"PD L1"') == pub(split)  # a quoted phrase is as written


def test_results_are_ranked_names_first(api, corpus):
    in_quote = EvidenceFactory(statement="Vesicles changed sensitivity.", source_quote="Unlike zoledronate, ...")
    zol = DrugFactory(name="zoledronate", slug="zoledronate")
    named = EvidenceFactory(statement="Exosomes and zoledronate.", drugs=[zol])
    response = api.get(URL, {"q": "zoledronate"})
    assert [item["id"] for item in response.json()["results"]] == [named.public_id, in_quote.public_id]
    # An explicit ordering wins over relevance.
    response = api.get(URL, {"q": "zoledronate", "ordering": "id"})
    assert [item["id"] for item in response.json()["results"]] == [in_quote.public_id, named.public_id]


def test_the_evidence_page_ranks_and_searches_the_same(client, taxanes):
    page = client.get("/evidence/", {"q": "Santos 2018"}).content.decode()
    assert taxanes["e5"].public_id in page and taxanes["e1"].public_id not in page


def test_the_page_marks_the_words_that_matched_and_escapes_the_rest(client, corpus):
    EvidenceFactory(statement="<script>alert(1)</script> Exosomal miR-4443 <b>moved</b> between cells.")
    page = client.get("/evidence/", {"q": "exosomes 4443"}).content.decode()
    assert "<mark>Exosomal</mark> miR-<mark>4443</mark>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;moved&lt;/b&gt;" in page


@pytest.mark.parametrize(
    "text",
    [
        "%",
        "_",
        "%_\\" * 70,
        "'",
        "''",
        '"',
        '"""',
        '"unbalanced',
        "\\",
        "\\'",
        "&",
        "|",
        "!",
        "()",
        "((((",
        ")))",
        ":*",
        "<->",
        "<2>",
        "a & b",
        "mir & !155",
        "(mir | x):*",
        "'mir':* | 'x'",
        "mir:* <-> 155",
        "or",
        "or or or",
        "- - -",
        "-",
        '-""',
        "x" * 5000,
        "mir-" * 300,
        "a " * 300,
        "word " * 10_000,
        "🙂",
        "k=mcf7",
        "\u2014",
        "the and of",
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


def test_how_a_query_is_read():
    assert search_words("Hsa-miR-21*5p, MCF-7/ADR\u2013x 'β'") == [
        "hsa",
        "mir",
        "21",
        "5p",
        "mcf",
        "7",
        "adr",
        "x",
        "β",
    ]
    groups = parse('"co-culture with" -lymphoma tamoxifen or fulvestrant Han et al. 2020')
    assert [[(t.words, t.negated, t.quoted) for t in group] for group in groups] == [
        [(("co", "culture", "with"), False, True)],
        [(("lymphoma",), True, False)],
        [(("tamoxifen",), False, False), (("fulvestrant",), False, False)],
        [(("han",), False, False)],
        [(("2020",), False, False)],
    ]
    assert len(parse("word " * 10_000)) == MAX_TERMS
    assert TextQuery.of("%") is None and TextQuery.of("-lymphoma") is None and TextQuery.of("") is None


def test_key_lexemes_are_only_added_when_a_name_needs_them(taxanes):
    def keys(text):
        return _needs_keys(parse(text)[0][0])

    assert keys("MCF-7") == ()  # every name called mcf7 holds the words
    assert keys("mcf7") == ("k=mcf7", "b=mcf7")
    assert keys("miR-155") == ()
    assert keys("nothing-is-called-this") == ()


def test_a_mirna_arm_finds_its_own_and_armless_records_never_the_other_arm(api, taxanes):
    """A 5p record's arm-less alias ("miR-222") does not make q=miR-222-3p find its findings:
    the arms are different molecules. q finds what the cargo filter finds (``names_find``)."""
    three = CargoFactory(symbol="hsa-miR-222-3p", kind=CargoKind.MIRNA)
    five = CargoFactory(symbol="hsa-miR-222-5p", kind=CargoKind.MIRNA)
    CargoAliasFactory(entity=five, name="miR-222")
    armless = CargoFactory(symbol="hsa-miR-222", kind=CargoKind.MIRNA)
    items = {cargo: EvidenceFactory(statement="Vesicles moved it.", cargos=[cargo]) for cargo in (three, five, armless)}
    cases = {
        "miR-222": (three, five, armless),
        "miR-222-3p": (three, armless),
        "hsa-miR-222-3p": (three, armless),
        "miR222-5p": (five, armless),
    }
    for text, cargos in cases.items():
        expected = pub(*(items[cargo] for cargo in cargos))
        assert found(api, text) == expected, text
        assert ids(api.get(URL, {"cargo": text})) == expected, text


def test_a_search_inside_a_subquery_keeps_its_table(taxanes):
    inner = Evidence.objects.search("paclitax").values("pk")
    assert set(Evidence.objects.filter(pk__in=inner).values_list("pk", flat=True)) == {taxanes["e5"].pk}
    cargo = CargoFactory(symbol="LINC-ROR", slug="linc-ror")
    taxanes["e5"].cargos.add(cargo)
    assert list(Evidence.objects.filter(cargos__symbol="LINC-ROR").search("paclitax")) == [taxanes["e5"]]


def test_a_long_query_costs_a_bounded_number_of_queries(api, taxanes, django_assert_max_num_queries):
    words = " ".join(f"w{n}" for n in range(60))
    with django_assert_max_num_queries(14):
        response = api.get(URL, {"q": words})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "typed, as_prefix",
    [("m", False), ("mi", False), ("mir", True), ("miR-2", True), ("MCF-7/AD", True), ('"mir"', False)],
)
def test_the_word_being_typed_is_a_prefix_from_three_letters_or_after_its_token(db, typed, as_prefix):
    """ "m:*" alone matched nearly every item and ranking them took 3.2 s at 100k items."""
    assert any(str(p).endswith(":*") for p in TextQuery.of(typed).params) is as_prefix
