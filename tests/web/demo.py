"""A small, realistic-looking data set for page tests, browser tests and screenshots.

Built with the factories; independent of the curated seed (which may be incomplete
in a checkout). Names follow the curated conventions (INN drugs with their brand
names and abbreviations as aliases, miRBase and HGNC symbols for cargos).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from evidence.choices import CargoKind, CellKind, Effect, EvidenceLevel, EvidenceType, Status, Subtype
from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass
from tests.factories import (
    CargoAliasFactory,
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
    TherapyClassFactory,
    UserFactory,
)


@dataclass
class Demo:
    drugs: dict[str, Drug] = field(default_factory=dict)
    cargos: dict[str, Cargo] = field(default_factory=dict)
    cells: dict[str, Cell] = field(default_factory=dict)
    mechanisms: dict[str, Mechanism] = field(default_factory=dict)
    therapy: dict[str, TherapyClass] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


def build_demo() -> Demo:
    demo = Demo()
    curator = UserFactory(username="curator-demo", first_name="Ada", last_name="Curator")
    for position, (slug, name) in enumerate(
        [
            ("chemotherapy", "Chemotherapy"),
            ("endocrine", "Endocrine therapy"),
            ("her2-targeted", "HER2-targeted therapy"),
        ]
    ):
        demo.therapy[slug] = TherapyClassFactory(slug=slug, name=name, position=position)
    efflux = MechanismFactory(slug="drug-efflux", name="Drug efflux", description="Less drug stays in the cell.")
    demo.mechanisms["drug-efflux"] = efflux
    for slug, name, parent in [
        ("efflux-pump-transfer", "Transfer of efflux pumps", efflux),
        ("anti-apoptosis", "Anti-apoptosis and pro-survival signalling", None),
        ("emt", "Epithelial-mesenchymal transition", None),
        ("antibody-neutralisation", "Antibody neutralisation (decoy)", None),
        ("autophagy", "Autophagy", None),
    ]:
        demo.mechanisms[slug] = MechanismFactory(slug=slug, name=name, parent=parent)

    chemo, endo, her2 = demo.therapy["chemotherapy"], demo.therapy["endocrine"], demo.therapy["her2-targeted"]
    for name, drug_class, therapy, aliases, ids in [
        ("doxorubicin", "anthracycline", chemo, ["Adriamycin", "ADM", "DOX"],
         {"chebi": "CHEBI:28748", "drugbank": "DB00997", "pubchem_cid": 31703}),
        ("paclitaxel", "taxane", chemo, ["Taxol", "PTX"], {"chebi": "CHEBI:45863", "drugbank": "DB01229"}),
        ("docetaxel", "taxane", chemo, ["Taxotere", "DTX"], {"drugbank": "DB01248"}),
        ("tamoxifen", "SERM", endo, ["TAM", "Nolvadex"], {"drugbank": "DB00675"}),
        ("trastuzumab", "anti-HER2 antibody", her2, ["Herceptin"], {"drugbank": "DB00072"}),
    ]:  # fmt: skip
        drug = DrugFactory(name=name, slug=name, drug_class=drug_class, therapy_class=therapy, **ids)
        for alias in aliases:
            DrugAliasFactory(entity=drug, name=alias)
        demo.drugs[name] = drug

    for symbol, slug, kind, full, aliases, ids in [
        ("hsa-miR-155-5p", "hsa-mir-155-5p", CargoKind.MIRNA, "", ["miR-155", "miR-155-5p"],
         {"mirbase": "MIMAT0000646"}),
        ("hsa-miR-221-3p", "hsa-mir-221-3p", CargoKind.MIRNA, "", ["miR-221"], {"mirbase": "MIMAT0000278"}),
        ("hsa-miR-9-5p", "hsa-mir-9-5p", CargoKind.MIRNA, "", ["miR-9"], {"mirbase": "MIMAT0000441"}),
        ("ABCB1", "abcb1", CargoKind.PROTEIN, "P-glycoprotein", ["P-gp", "MDR1"],
         {"hgnc": "HGNC:40", "uniprot": "P08183", "ensembl": "ENSG00000085563", "ncbi_gene": 5243}),
        ("GSTP1", "gstp1", CargoKind.PROTEIN, "glutathione S-transferase pi 1", ["GST-π"], {"hgnc": "HGNC:4638"}),
        ("H19", "h19", CargoKind.LNCRNA, "H19 imprinted maternally expressed transcript", ["lncRNA H19"], {}),
        ("ERBB2", "erbb2", CargoKind.PROTEIN, "HER2", ["HER2", "HER-2/neu"], {"hgnc": "HGNC:3430"}),
    ]:  # fmt: skip
        cargo = CargoFactory(symbol=symbol, slug=slug, kind=kind, name=full, **ids)
        for alias in aliases:
            CargoAliasFactory(entity=cargo, name=alias)
        demo.cargos[symbol] = cargo

    mcf7 = CellFactory(name="MCF-7", slug="mcf-7", subtype=Subtype.LUMINAL, cellosaurus="CVCL_0031")
    demo.cells["MCF-7"] = mcf7
    demo.cells["MCF-7/ADR"] = CellFactory(
        name="MCF-7/ADR", slug="mcf-7-adr", kind=CellKind.RESISTANT_LINE, parent=mcf7, subtype=Subtype.LUMINAL
    )
    demo.cells["MDA-MB-231"] = CellFactory(name="MDA-MB-231", slug="mda-mb-231", subtype=Subtype.TNBC)
    demo.cells["SKBR3"] = CellFactory(name="SKBR3", slug="skbr3", subtype=Subtype.HER2)
    demo.cells["CAF"] = CellFactory(name="cancer-associated fibroblasts", slug="caf", kind=CellKind.FIBROBLAST)

    review = CitationFactory(
        doi="10.3389/fbioe.2023.1214648",
        bibtex_key="liu2024",
        title="Research progress of exosomes in drug resistance of breast cancer",
        authors=["Liu, L", "Jiang, D", "Bai, S", "Zhang, X", "Kang, Y"],
        journal="Front. Bioeng. Biotechnol.",
        year=2024,
        publication_type="review",
    )
    demo.citations["review"] = review
    papers = [
        CitationFactory(
            doi="10.1000/demo.ning2017",
            pmid="28000001",
            bibtex_key="ning2017",
            title="Exosomes released by gemcitabine-resistant cells transfer miR-155",
            authors=["Ning, K", "Wang, T", "Sun, X"],
            year=2017,
        ),
        CitationFactory(
            doi="10.1000/demo.chen2014",
            pmid="28000002",
            bibtex_key="chen2014",
            title="Exosomes from docetaxel-resistant breast cancer cells alter chemosensitivity",
            authors=["Chen, WX", "Liu, XM"],
            year=2014,
        ),
        CitationFactory(
            doi="10.1000/demo.wei2014",
            bibtex_key="wei2014",
            title="Exosomal miR-221/222 enhances tamoxifen resistance in recipient ER-positive cells",
            authors=["Wei, Y", "Lai, X", "Yu, S"],
            year=2014,
        ),
        CitationFactory(
            doi="10.1000/demo.retracted2016",
            bibtex_key="retracted2016",
            title="A retracted study of exosomal GSTP1 in adriamycin resistance",
            authors=["Yang, SJ"],
            year=2016,
            retracted=True,
            retraction_note="Retracted in 2020: image duplication in figure 3.",
        ),
        CitationFactory(
            doi="10.1000/demo.ciravolo2012",
            bibtex_key="ciravolo2012",
            title="HER2-positive exosomes bind trastuzumab and attenuate its activity",
            authors=["Ciravolo, V", "Huber, V"],
            year=2012,
        ),
    ]
    for paper in papers:
        demo.citations[paper.bibtex_key] = paper

    d, c, m, ce = demo.drugs, demo.cargos, demo.mechanisms, demo.cells
    accepted_at = timezone.make_aware(dt.datetime(2026, 1, 15, 10, 0))
    rows = [
        ("Exosomal miR-155 from doxorubicin-resistant MCF-7/ADR cells confers doxorubicin and paclitaxel "
         "resistance on sensitive MCF-7 cells.", ["hsa-miR-155-5p"], ["doxorubicin", "paclitaxel"],
         ["emt", "anti-apoptosis"], "MCF-7/ADR", "MCF-7", Effect.CONFERS_RESISTANCE, EvidenceLevel.C, "ning2017",
         chemo),
        ("Exosomes from docetaxel-resistant cells carry ABCB1 (P-gp) and transfer docetaxel resistance.",
         ["ABCB1"], ["docetaxel", "doxorubicin"], ["efflux-pump-transfer"], "MCF-7/ADR", "MCF-7",
         Effect.CONFERS_RESISTANCE, EvidenceLevel.D, "chen2014", chemo),
        ("Exosomal miR-221/222 from tamoxifen-resistant cells reduces p27 and ERα and spreads tamoxifen resistance.",
         ["hsa-miR-221-3p"], ["tamoxifen"], ["anti-apoptosis"], "MCF-7", "MCF-7", Effect.CONFERS_RESISTANCE,
         EvidenceLevel.D, "wei2014", endo),
        ("Exosomal GSTP1 from adriamycin-resistant cells detoxifies the drug in recipients.",
         ["GSTP1"], ["doxorubicin"], ["drug-efflux"], "MCF-7/ADR", "MCF-7", Effect.CONFERS_RESISTANCE,
         EvidenceLevel.B, "retracted2016", chemo),
        ("HER2-positive exosomes bind trastuzumab and shield SKBR3 cells from the antibody.",
         ["ERBB2"], ["trastuzumab"], ["antibody-neutralisation"], "SKBR3", "SKBR3", Effect.CONFERS_RESISTANCE,
         EvidenceLevel.D, "ciravolo2012", her2),
        ("Serum exosomal miR-155 is higher in patients whose tumours resist neoadjuvant paclitaxel.",
         ["hsa-miR-155-5p"], ["paclitaxel"], [], None, None, Effect.BIOMARKER, EvidenceLevel.B, "ning2017", chemo),
        ("Exosomal lncRNA H19 from doxorubicin-resistant cells promotes autophagy and doxorubicin resistance.",
         ["H19"], ["doxorubicin"], ["autophagy"], "MCF-7/ADR", "MDA-MB-231", Effect.CONFERS_RESISTANCE,
         EvidenceLevel.C, "chen2014", chemo),
        ("Exosomes loaded with miR-9 inhibitor restore paclitaxel sensitivity of MDA-MB-231 cells.",
         ["hsa-miR-9-5p"], ["paclitaxel"], ["emt"], "CAF", "MDA-MB-231", Effect.REVERSES_RESISTANCE,
         EvidenceLevel.D, "chen2014", chemo),
    ]  # fmt: skip
    for n, (statement, cargos, drugs, mechanisms, source, recipient, effect, level, key, therapy) in enumerate(rows):
        item = EvidenceFactory(
            statement=statement,
            cargos=[c[x] for x in cargos],
            drugs=[d[x] for x in drugs],
            mechanisms=[m[x] for x in mechanisms],
            source_cell=ce[source] if source else None,
            recipient_cell=ce[recipient] if recipient else None,
            effect=effect,
            level=level,
            evidence_type=EvidenceType.PROGNOSTIC if effect == Effect.BIOMARKER else EvidenceType.PREDICTIVE,
            citation=demo.citations[key],
            secondary_source=review,
            cited_as=f"[{n + 10}]",
            therapy_class=therapy,
            subtype=Subtype.LUMINAL if recipient == "MCF-7" else Subtype.UNSPECIFIED,
            experimental_systems="in vitro co-culture" if level == EvidenceLevel.D else "xenograft in nude mice",
            ev_isolation="ultracentrifugation",
            ev_markers="CD63, TSG101",
            reviewed_by=curator,
            reviewed_at=accepted_at + dt.timedelta(days=n),
        )
        demo.evidence.append(item)
    # Not public: must never appear on a public page.
    demo.evidence.append(
        EvidenceFactory(
            statement="DRAFT finding that nobody may see yet.",
            drugs=[d["doxorubicin"]],
            cargos=[c["ABCB1"]],
            status=Status.DRAFT,
            therapy_class=chemo,
            citation=papers[0],
        )
    )
    return demo
