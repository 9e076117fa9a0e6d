"""The mention recogniser's rules, on a small dictionary built in memory (no database)."""

from dataclasses import replace

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


# --- Resistance descriptions -------------------------------------------------

MCF7_LUMINAL = Entity("cell", "mcf-7", "MCF-7", subtype="luminal")
MCF7_DOC = Entity("cell", "mcf-7-doc", "MCF-7/DOC", parent="mcf-7")
MCF7_TAMR = Entity("cell", "mcf-7-tamr", "MCF-7/TamR", parent="mcf-7")
MDA231 = Entity("cell", "mda-mb-231", "MDA-MB-231", subtype="tnbc")
MDA231_DDP = Entity("cell", "mda-mb-231-ddp", "MDA-MB-231/DDP", parent="mda-mb-231")
CEM = Entity("cell", "ccrf-cem", "CCRF-CEM", subtype="unspecified")
CEM_VCR = Entity("cell", "cem-vcr", "CEM/VCR", parent="ccrf-cem")
RESISTANT_LINES = [
    (DOX, ["doxorubicin", "Adriamycin", "ADM", "ADR", "DOX"]),
    (DOC, ["docetaxel", "DOC"]),
    (Entity("drug", "cisplatin", "cisplatin"), ["cisplatin", "DDP"]),
    (Entity("drug", "paclitaxel", "paclitaxel"), ["paclitaxel"]),
    (Entity("drug", "tamoxifen", "tamoxifen"), ["tamoxifen"]),
    (Entity("drug", "vincristine", "vincristine"), ["vincristine", "VCR"]),
    (MCF7_LUMINAL, ["MCF-7"]),
    # A derivative's drug is read from its names; its subtype is its parent's unless given.
    (Entity("cell", "mcf-7-adr", "MCF-7/ADR", parent="mcf-7"), ["MCF-7/ADR", "adriamycin-resistant MCF-7"]),
    (MCF7_DOC, ["MCF-7/DOC"]),
    (MCF7_TAMR, ["MCF-7/TamR"]),  # no drug in its names
    (MDA231, ["MDA-MB-231"]),
    (MDA231_DDP, ["MDA-MB-231/DDP", "231/DDP"]),
    (CEM, ["CCRF-CEM"]),
    (CEM_VCR, ["CEM/VCR"]),  # leukaemia, not breast cancer
    (ABCB1, ["ABCB1", "P-gp"]),
]


@pytest.fixture(scope="module")
def lines():
    return Recogniser(RESISTANT_LINES)


def inferred(recogniser, text):
    """(slug, text as written) of each inferred mention, checking its offsets and its mark."""
    mentions = recogniser.mentions(text)
    for mention in mentions:
        assert text[mention["start"] : mention["end"]] == mention["text"], mention
    return [(m["slug"], m["text"]) for m in mentions if m.get("inferred") == "resistance description"]


def test_a_resistant_lines_drug_is_read_from_its_names(lines):
    assert lines.resistance == {
        "mcf-7-adr": {"doxorubicin"},
        "mcf-7-doc": {"docetaxel"},
        "mda-mb-231-ddp": {"cisplatin"},
        "cem-vcr": {"vincristine"},
    }


def test_a_described_resistant_line_is_an_inferred_mention_over_the_description(lines):
    text = "Exosomes from adriamycin-resistant breast cancer cells carried P-gp."
    assert lines.mentions(text) == [
        {"kind": "drug", "slug": "doxorubicin", "name": "doxorubicin", "text": "adriamycin", "start": 14, "end": 24},
        {
            "kind": "cell",
            "slug": "mcf-7-adr",
            "name": "MCF-7/ADR",
            "text": "adriamycin-resistant breast cancer cells",
            "start": 14,
            "end": 54,
            "inferred": "resistance description",
        },
        {"kind": "cargo", "slug": "abcb1", "name": "ABCB1", "text": "P-gp", "start": 63, "end": 67},
    ]


@pytest.mark.parametrize(
    "description, slug",
    [
        ("ADR resistant breast cancer cells", "mcf-7-adr"),
        ("Doxorubicin‑resistant human breast carcinoma cell lines", "mcf-7-adr"),
        ("adriamycin-resistant BC cells", "mcf-7-adr"),
        ("adriamycin-resistant and parental breast cancer cells", "mcf-7-adr"),
        ("docetaxel-resistant versus parental breast cancer cells", "mcf-7-doc"),
        ("docetaxel-resistant luminal breast cancer cells", "mcf-7-doc"),
        ("docetaxel-resistant ER-positive breast cancer cells", "mcf-7-doc"),
        ("docetaxel-resistant ER+ breast cancer cells", "mcf-7-doc"),
        ("cisplatin-resistant TNBC cells", "mda-mb-231-ddp"),
        ("cisplatin-resistant triple-negative breast cancer sublines", "mda-mb-231-ddp"),
        # The parental line named: its derivative resistant to the drug.
        ("docetaxel-resistant MCF-7 cells", "mcf-7-doc"),
        ("docetaxel-resistant MCF7", "mcf-7-doc"),
        ("docetaxel-resistant MCF-7 breast cancer cells", "mcf-7-doc"),
        ("docetaxel-resistant human breast cancer MCF-7 cells", "mcf-7-doc"),
        ("vincristine-resistant CCRF-CEM cells", "cem-vcr"),
        # "... resistant to <drug>"
        ("MCF-7 cells resistant to docetaxel", "mcf-7-doc"),
        ("breast cancer cells that were resistant to the docetaxel", "mcf-7-doc"),
        ("MDA-MB-231 sublines resistant to cisplatin", "mda-mb-231-ddp"),
    ],
)
def test_resistance_descriptions(lines, description, slug):
    text = f"Exosomes from {description} were studied."
    assert inferred(lines, text) == [(slug, description)]


@pytest.mark.parametrize(
    "text",
    [
        "resistant breast cancer cells",  # no drug
        "drug-resistant breast cancer cells",
        "multidrug-resistant MCF-7 cells",
        "paclitaxel-resistant breast cancer cells",  # a drug no line is resistant to
        "tamoxifen-resistant MCF-7 cells",  # MCF-7/TamR's names do not say tamoxifen
        "doxorubicin-resistant breast cancer",  # the disease, not cells
        "doxorubicin-resistant cells",  # neither a line nor breast cancer
        "doxorubicin-resistant leukaemia cells",
        "vincristine-resistant breast cancer cells",  # the only such line is a leukaemia line
        "cisplatin-resistant luminal breast cancer cells",  # the only such line is triple-negative
        "cisplatin-resistant HER2-positive breast cancer cells",
        "docetaxel-resistant HER2+ BC cells",
        "docetaxel-resistant HER2positive breast cancer cells",
        "adriamycin-resistant MDA-MB-231 cells",  # MDA-MB-231 has no such derivative
        "doxorubicin, resistant breast cancer cells",  # a clause break
        "doxorubicin-resistance of breast cancer cells",
        "a doxorubicin-resistant phenotype in MCF-7 cells",
        "made breast cancer cells resistant to docetaxel",  # the parent, made resistant
        "rendered MCF-7 cells resistant to docetaxel",
        "made drug-sensitive cells resistant to adriamycin",
        "MCF-7 cells are resistant to docetaxel",
    ],
)
def test_what_is_not_a_resistance_description(lines, text):
    assert inferred(lines, text) == []


def test_a_line_named_in_the_description_is_not_inferred_again(lines):
    assert found(lines, "docetaxel-resistant MCF-7/DOC cells") == [
        ("docetaxel", "docetaxel"),
        ("mcf-7-doc", "MCF-7/DOC"),
    ]
    assert found(lines, "adriamycin-resistant MCF-7 cells") == [("mcf-7-adr", "adriamycin-resistant MCF-7")]
    # The drug and the parental line stay mentions of their own within the description.
    assert found(lines, "docetaxel-resistant MCF-7 cells") == [
        ("docetaxel", "docetaxel"),
        ("mcf-7-doc", "docetaxel-resistant MCF-7 cells"),
        ("mcf-7", "MCF-7"),
    ]


def test_a_description_two_lines_fit_proposes_neither():
    mda231_adr = Entity("cell", "mda-mb-231-adr", "MDA-MB-231/ADR", parent="mda-mb-231")
    mcf7_dox = Entity("cell", "mcf-7-dox", "MCF-7/DOX", parent="mcf-7")
    two = Recogniser([*RESISTANT_LINES, (mda231_adr, ["MDA-MB-231/ADR"])])
    assert inferred(two, "adriamycin-resistant breast cancer cells") == []
    # Naming the parental line or the subtype settles it.
    assert inferred(two, "doxorubicin-resistant MDA-MB-231 cells") == [
        ("mda-mb-231-adr", "doxorubicin-resistant MDA-MB-231 cells")
    ]
    assert inferred(two, "doxorubicin-resistant TNBC cells") == [("mda-mb-231-adr", "doxorubicin-resistant TNBC cells")]
    # Two derivatives of one line for one drug: the text does not say which.
    twins = Recogniser([*RESISTANT_LINES, (mcf7_dox, ["MCF-7/DOX"])])
    assert twins.resistance["mcf-7-dox"] == {"doxorubicin"}
    assert inferred(twins, "doxorubicin-resistant MCF-7 cells") == []


def test_inferred_offsets_index_the_original_text(lines):
    text = "Für β-Zellen — doxorubicin‑resistant\nbreast cancer cells (naïve)."
    assert inferred(lines, text) == [("mcf-7-adr", "doxorubicin‑resistant\nbreast cancer cells")]


def test_without_resistant_lines_nothing_is_inferred(recogniser):
    assert recogniser.resistance == {}
    assert inferred(recogniser, "adriamycin-resistant breast cancer cells") == []


def test_a_line_of_another_cancer_is_no_breast_cancer_line():
    # CCRF-CEM (leukaemia) with the subtype a finding outside breast cancer stores.
    outside = [(replace(e, subtype="not_applicable") if e == CEM else e, names) for e, names in RESISTANT_LINES]
    assert inferred(Recogniser(outside), "vincristine-resistant CCRF-CEM cells") == [
        ("cem-vcr", "vincristine-resistant CCRF-CEM cells")
    ]
    assert inferred(Recogniser(outside), "vincristine-resistant breast cancer cells") == []
