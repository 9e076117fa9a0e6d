"""The mention recogniser's rules, on a small dictionary built in memory (no database)."""

import pytest

from evidence.recognition import Entity, Folded, Recogniser, mirna_names, name_key

DOX = Entity("drug", "doxorubicin", "doxorubicin")
DOC = Entity("drug", "docetaxel", "docetaxel")
MCF7 = Entity("cell", "mcf-7", "MCF-7")
MCF7_ADR = Entity("cell", "mcf-7-adr", "MCF-7/ADR")
MIR21 = Entity("cargo", "hsa-mir-21-5p", "hsa-miR-21-5p")
MIR210 = Entity("cargo", "hsa-mir-210-3p", "hsa-miR-210-3p")
MIR155 = Entity("cargo", "hsa-mir-155-5p", "hsa-miR-155-5p")
ESR1 = Entity("cargo", "esr1", "ESR1")
ABCB1 = Entity("cargo", "abcb1", "ABCB1")
TGFB1 = Entity("cargo", "tgfb1", "TGFB1")
NFKB = Entity("cargo", "nfkb1", "NFKB1")
CD4 = Entity("cell", "cd4-t-cells", "CD4+ T cells")
EMT = Entity("mechanism", "emt", "Epithelial-mesenchymal transition")


@pytest.fixture(scope="module")
def recogniser():
    return Recogniser(
        [
            (DOX, ["doxorubicin", "Adriamycin", "ADM", "ADR", "DOX"]),
            (DOC, ["docetaxel", "DOC", "Taxotere"]),
            (MCF7, ["MCF-7", "MCF-7/WT"]),
            (MCF7_ADR, ["MCF-7/ADR", "adriamycin-resistant MCF-7"]),
            (MIR21, ["hsa-miR-21-5p", *mirna_names("hsa-miR-21-5p")]),
            (MIR210, ["hsa-miR-210-3p", *mirna_names("hsa-miR-210-3p")]),
            (MIR155, ["hsa-miR-155-5p", *mirna_names("hsa-miR-155-5p")]),
            (ESR1, ["ESR1", "ER", "oestrogen receptor alpha"]),
            (ABCB1, ["ABCB1", "P-gp", "P-glycoprotein"]),
            (TGFB1, ["TGFB1", "TGF-β1"]),
            (NFKB, ["NF-κB"]),
            (CD4, ["CD4+ T cells"]),
            (EMT, ["Epithelial-mesenchymal transition", "EMT"]),
        ]
    )


def found(recogniser, text):
    """(slug, text as written) of each mention, checking that the offsets give the text back."""
    mentions = recogniser.mentions(text)
    for mention in mentions:
        assert text[mention["start"] : mention["end"]] == mention["text"], mention
    return [(mention["slug"], mention["text"]) for mention in mentions]


def test_a_mention_carries_kind_slug_name_text_and_offsets(recogniser):
    assert recogniser.mentions("Adriamycin-treated cells") == [
        {"kind": "drug", "slug": "doxorubicin", "name": "doxorubicin", "text": "Adriamycin", "start": 0, "end": 10}
    ]


def test_the_longest_mention_wins(recogniser):
    assert found(recogniser, "Exosomes from MCF7/ADR cells.") == [("mcf-7-adr", "MCF7/ADR")]
    assert found(recogniser, "adriamycin-resistant MCF-7 cells") == [("mcf-7-adr", "adriamycin-resistant MCF-7")]
    # Apart, each name is its own mention.
    assert found(recogniser, "MCF-7 cells and ADR") == [("mcf-7", "MCF-7"), ("doxorubicin", "ADR")]


def test_names_match_whole_words_only(recogniser):
    assert found(recogniser, "miR-210 is not miR-21") == [("hsa-mir-210-3p", "miR-210"), ("hsa-mir-21-5p", "miR-21")]
    assert found(recogniser, "the other cells") == []
    assert found(recogniser, "ER-positive and ER+ tumours") == [("esr1", "ER"), ("esr1", "ER")]
    assert found(recogniser, "MCF-71 and MCF-7a") == []
    assert found(recogniser, "Taxoterex, predoxorubicin") == []


def test_case_and_punctuation_variants(recogniser):
    for text in ["miR155", "miR-155", "MIR-155", "microRNA-155", "miRNA 155", "hsa-miR-155-5p", "miR-155-5p"]:
        assert found(recogniser, f"Exosomal {text} rose.") == [("hsa-mir-155-5p", text)], text
    for text in ["P-gp", "Pgp", "P gp", "p-gp", "P‑gp", "P–gp"]:
        assert found(recogniser, f"({text})") == [("abcb1", text)], text
    for text in ["MCF7", "MCF 7", "mcf-7", "MCF‐7", "MCF\u00a07", "MCF\u22127"]:
        assert found(recogniser, f"{text} cells") == [("mcf-7", text)], text


def test_greek_letters_spelled_out_or_not(recogniser):
    for text in ["TGF-β1", "TGF-beta1", "TGF-Beta 1", "TGFβ1", "TGF-ß1".replace("ß", "β"), "TGF-\u03921"]:
        assert found(recogniser, f"{text} signalling") == [("tgfb1", text)], text
    assert found(recogniser, "NF-kappaB and NF-κB") == [("nfkb1", "NF-kappaB"), ("nfkb1", "NF-κB")]
    assert found(recogniser, "oestrogen receptor α") == [("esr1", "oestrogen receptor α")]


def test_offsets_index_the_original_text_around_non_ascii_characters(recogniser):
    text = "Für Zellen — naïve β-Test: TGF‐β1 und MCF‑7/ADR, dann Adriamycin 😀 DOX."
    mentions = recogniser.mentions(text)
    assert [(m["slug"], m["text"]) for m in mentions] == [
        ("tgfb1", "TGF‐β1"),
        ("mcf-7-adr", "MCF‑7/ADR"),
        ("doxorubicin", "Adriamycin"),
        ("doxorubicin", "DOX"),
    ]
    for mention in mentions:
        assert text[mention["start"] : mention["end"]] == mention["text"]
    # A decomposed accent, a soft hyphen and a zero-width space join what they sit in.
    assert found(recogniser, "doxo\u00adrubicin and Adriamyci\u0301n") == [
        ("doxorubicin", "doxo\u00adrubicin"),
        ("doxorubicin", "Adriamyci\u0301n"),
    ]


def test_a_break_only_where_some_spelling_of_the_name_has_one(recogniser):
    assert found(recogniser, "a DM and AD M") == []  # not ADM
    # A dash, slash or dot joins anywhere: a spelling the dictionary keeps only once.
    assert found(recogniser, "A-DM, Adria-mycin, Doxo‐rubicin") == [
        ("doxorubicin", "A-DM"),
        ("doxorubicin", "Adria-mycin"),
        ("doxorubicin", "Doxo‐rubicin"),
    ]
    assert found(recogniser, "CD4+ T cells, CD4 T cells, CD4+T-cells") == [
        ("cd4-t-cells", "CD4+ T cells"),
        ("cd4-t-cells", "CD4 T cells"),
        ("cd4-t-cells", "CD4+T-cells"),
    ]
    # Nor across a clause break or a long gap.
    assert found(recogniser, "MCF-7, ADR") == [("mcf-7", "MCF-7"), ("doxorubicin", "ADR")]
    assert found(recogniser, "P    gp") == []


def test_capitalised_abbreviations_are_not_found_in_lower_case(recogniser):
    assert found(recogniser, "the doc says er, adm") == []
    assert found(recogniser, "DOC, Dox and dox") == [("docetaxel", "DOC"), ("doxorubicin", "Dox")]
    # A full name is found in any case.
    assert found(recogniser, "DOXORUBICIN and Docetaxel") == [
        ("doxorubicin", "DOXORUBICIN"),
        ("docetaxel", "Docetaxel"),
    ]


def test_a_name_two_entities_share_names_both_at_one_place():
    mir_5p = Entity("cargo", "hsa-mir-9-5p", "hsa-miR-9-5p")
    mir_3p = Entity("cargo", "hsa-mir-9-3p", "hsa-miR-9-3p")
    recogniser = Recogniser([(mir_3p, mirna_names("hsa-miR-9-3p")), (mir_5p, mirna_names("hsa-miR-9-5p"))])
    assert found(recogniser, "miR-9 and miR-9-3p") == [
        ("hsa-mir-9-3p", "miR-9"),
        ("hsa-mir-9-5p", "miR-9"),
        ("hsa-mir-9-3p", "miR-9-3p"),
    ]


def test_mentions_come_in_text_order_at_the_edges_of_the_text(recogniser):
    assert found(recogniser, "EMT") == [("emt", "EMT")]
    assert found(recogniser, "DOX induced EMT via miR-21") == [
        ("doxorubicin", "DOX"),
        ("emt", "EMT"),
        ("hsa-mir-21-5p", "miR-21"),
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "—–", "😀"])
def test_empty_or_wordless_text_has_no_mentions(recogniser, text):
    assert recogniser.mentions(text) == []


def test_an_empty_dictionary_finds_nothing():
    assert Recogniser([]).mentions("doxorubicin") == []


def test_names_and_text_fold_the_same_way():
    assert name_key("TGF-β1")[0] == name_key("tgf beta 1")[0] == "tgfbeta1"
    assert name_key("P-gp")[0] == name_key("Pgp")[0]
    assert Folded("Ⅸ ﬁ µ İ").text == "ix fi mu i"  # compatibility forms, micro sign, dotted capital I
    folded = Folded("aβc")
    assert folded.text == "abetac"
    assert [folded.original(i) for i in range(len(folded.text))] == [0, 1, 1, 1, 1, 2]


def test_mirna_spellings():
    assert mirna_names("hsa-miR-155-5p") == [
        "miR-155",
        "miR-155-5p",
        "microRNA-155",
        "microRNA-155-5p",
        "miRNA-155",
        "miRNA-155-5p",
        "hsa-miR-155",
        "hsa-miR-155-5p",
    ]
    assert mirna_names("let-7a") == ["let-7a", "hsa-let-7a"]
    assert mirna_names("ABCB1") == []
    assert mirna_names("mmu-miR-155") == []  # a mouse miRNA is another molecule
