"""Controlled vocabularies shared by models, filters, the API and the seed."""

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

from django.db import models


class CargoKind(models.TextChoices):
    MIRNA = "mirna", "miRNA"
    LNCRNA = "lncrna", "lncRNA"
    CIRCRNA = "circrna", "circRNA"
    MRNA = "mrna", "mRNA"
    SIRNA = "sirna", "siRNA / antisense"
    PROTEIN = "protein", "protein"
    DNA = "dna", "DNA"
    LIPID = "lipid", "lipid"
    SMALL_MOLECULE = "small_molecule", "small molecule / drug"
    OTHER = "other", "other"


class CellKind(models.TextChoices):
    CELL_LINE = "cell_line", "cancer cell line"
    RESISTANT_LINE = "resistant_line", "drug-resistant derivative"
    PRIMARY_TUMOUR = "primary_tumour", "primary tumour cells"
    FIBROBLAST = "fibroblast", "fibroblast / CAF"
    MSC = "msc", "mesenchymal stem cell"
    MACROPHAGE = "macrophage", "macrophage"
    T_CELL = "t_cell", "T cell"
    NK_CELL = "nk_cell", "NK cell"
    DENDRITIC_CELL = "dendritic_cell", "dendritic cell"
    BIOFLUID = "biofluid", "biofluid (serum, plasma, milk)"
    OTHER = "other", "other"


class Subtype(models.TextChoices):
    LUMINAL = "luminal", "luminal / ER+"
    HER2 = "her2", "HER2+"
    TNBC = "tnbc", "triple-negative"
    UNSPECIFIED = "unspecified", "unspecified"
    # Stored for another cancer's finding, so "unspecified" counts only breast cancer (fit_subtype).
    NOT_APPLICABLE = "not_applicable", "not applicable (not breast cancer)"


class Effect(models.TextChoices):
    CONFERS_RESISTANCE = "confers_resistance", "confers resistance"
    REVERSES_RESISTANCE = "reverses_resistance", "reverses resistance / sensitises"
    BIOMARKER = "biomarker", "biomarker of response or resistance"
    DELIVERY_VEHICLE = "delivery_vehicle", "therapeutic delivery vehicle"


class DrugRole(models.TextChoices):
    TREATMENT = "treatment", "treatment"  # the therapy whose response is studied
    MODIFIER = "modifier", "modifier"  # changes resistance: a sensitiser, an inhibitor of release or of a pathway
    PAYLOAD = "payload", "payload"  # delivered by the vesicles


#: The roles ``drug=`` matches unless ``drug_role`` says otherwise: a modifier is not the therapy.
DEFAULT_DRUG_ROLES = ("treatment", "payload")


class VesicleInvolvement(models.TextChoices):
    TRANSFER_SHOWN = "transfer_shown", "vesicle transfer shown"
    CARGO_ASSOCIATED = "cargo_associated", "vesicle cargo associated"
    VESICLE_INDEPENDENT = "vesicle_independent", "vesicle-independent (context)"


class EvType(models.TextChoices):
    """As the study reports it (MISEV prefers "EV" when unproven)."""

    EXOSOME = "exosome", "exosomes"
    MICROVESICLE = "microvesicle", "microvesicles"
    MICROPARTICLE = "microparticle", "microparticles"
    EV = "ev", "extracellular vesicles"
    NONE = "none", "no vesicles"


class EditorialNotice(models.TextChoices):
    """A journal's notice on a paper short of retraction (retraction has its own flag)."""

    NONE = "", "none"
    EXPRESSION_OF_CONCERN = "expression_of_concern", "expression of concern"
    CORRECTION = "correction", "correction (erratum)"


class EvidenceLevel(models.TextChoices):
    """In the spirit of CIViC's A–E, strongest first."""

    A = "A", "A – clinical trial"
    B = "B", "B – patient cohort"
    C = "C", "C – in vivo (animal model)"
    D = "D", "D – in vitro"
    E = "E", "E – inferential"


class EvidenceType(models.TextChoices):
    PREDICTIVE = "predictive", "predictive"
    PROGNOSTIC = "prognostic", "prognostic"
    DIAGNOSTIC = "diagnostic", "diagnostic"
    FUNCTIONAL = "functional", "functional"
    THERAPEUTIC = "therapeutic", "therapeutic"


class Status(models.TextChoices):
    DRAFT = "draft", "draft"
    SUBMITTED = "submitted", "submitted"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class PublicationType(models.TextChoices):
    PRIMARY = "primary", "primary research"
    REVIEW = "review", "review"
    OTHER = "other", "other"


class EntryType(models.TextChoices):
    ARTICLE = "article", "article"
    BOOK = "book", "book"
    INBOOK = "inbook", "book chapter"
    INCOLLECTION = "incollection", "chapter in a collection"
    INPROCEEDINGS = "inproceedings", "conference paper"
    PHDTHESIS = "phdthesis", "PhD thesis"
    MISC = "misc", "other"
    UNPUBLISHED = "unpublished", "preprint / unpublished"


#: What each controlled value means, as the help page explains it.
MEANING: dict[models.TextChoices, str] = {
    EvidenceLevel.A: "The vesicle marker or vesicle-based therapy was itself a pre-specified question of a clinical "
    "trial (randomised or biomarker-stratified).",
    EvidenceLevel.B: "Vesicles or their cargo were measured in patient material (serum, plasma, tissue EVs) and tied "
    "to therapy, response or outcome in a cohort. Exploratory studies of trial samples are B.",
    EvidenceLevel.C: "The finding reached an animal model: xenograft, syngeneic or orthotopic tumour, animal dosing.",
    EvidenceLevel.D: "Cell lines, primary cells, organoids or vesicles from cultured cells only.",
    EvidenceLevel.E: "No primary data for the finding: the source is a review or perspective, the citation does not "
    "support it, or the article was retracted for its data.",
    Effect.CONFERS_RESISTANCE: "Vesicles (or their cargo) make recipient cells less responsive to the drug.",
    Effect.REVERSES_RESISTANCE: "Vesicles, their cargo or blocking them restores response to the drug.",
    Effect.BIOMARKER: "The vesicle cargo marks response or resistance (e.g. serum exosomal miRNA levels) without a "
    "shown transfer.",
    Effect.DELIVERY_VEHICLE: "Engineered or natural vesicles deliver a drug or a nucleic acid to overcome resistance.",
    EvidenceType.PREDICTIVE: "Says whether a patient or cell will respond to a specific therapy.",
    EvidenceType.PROGNOSTIC: "Says how the disease will go, whatever the therapy.",
    EvidenceType.DIAGNOSTIC: "Helps tell the disease or its resistant state apart.",
    EvidenceType.FUNCTIONAL: "Shows how resistance arises: the mechanism by which the cargo acts.",
    EvidenceType.THERAPEUTIC: "Uses vesicles, or blocks them, as a treatment.",
    DrugRole.TREATMENT: "The therapy whose response was studied. drug= finds it.",
    DrugRole.MODIFIER: "An agent that changes resistance to the treatment: a sensitiser, an inhibitor of exosome "
    "release or of a pathway, a research tool compound. drug= does not find it unless drug_role=modifier.",
    DrugRole.PAYLOAD: "A drug the vesicles themselves deliver. drug= finds it.",
    VesicleInvolvement.TRANSFER_SHOWN: "Vesicles moved the cargo and changed the recipient cell: the strongest "
    "vesicle evidence.",
    VesicleInvolvement.CARGO_ASSOCIATED: "The molecule travels in vesicles, or vesicle levels track resistance, "
    "without a transfer experiment.",
    VesicleInvolvement.VESICLE_INDEPENDENT: "Not about vesicles (a channel inside the cell, cell-contact transfer): "
    "kept for context and marked on every page.",
}

#: Other names a researcher types for a controlled value, besides its code and label.
ALSO_CALLED: dict[type[models.TextChoices], dict[str, tuple[str, ...]]] = {
    CargoKind: {
        "mirna": ("microRNA", "miR", "mature miRNA"),
        "lncrna": ("long non-coding RNA", "long noncoding RNA", "lincRNA"),
        "circrna": ("circular RNA",),
        "mrna": ("messenger RNA", "transcript"),
        "sirna": ("siRNA", "antisense", "antisense oligonucleotide", "ASO", "shRNA", "antagomir"),
        "dna": ("mtDNA", "mitochondrial DNA", "genomic DNA"),
        "small_molecule": ("small molecule", "drug", "compound"),
    },
    Subtype: {
        "luminal": ("ER+", "ER positive", "HR+", "hormone receptor positive", "luminal A", "luminal B",
                    "ER+/PR+", "oestrogen receptor positive", "estrogen receptor positive"),
        "her2": ("HER2", "HER2 positive", "HER2 enriched", "HER2-overexpressing", "ERBB2+"),
        "tnbc": ("TNBC", "triple negative", "triple-negative breast cancer", "ER-/PR-/HER2-"),
        "unspecified": ("unknown", "not specified", "none"),
        "not_applicable": ("not applicable", "n/a", "not breast cancer"),
    },
    Effect: {
        "confers_resistance": ("confers", "resistance", "promotes resistance", "induces resistance",
                               "resistant"),
        "reverses_resistance": ("reverses", "reverses resistance", "sensitises", "sensitizes",
                                "sensitisation", "sensitization", "sensitivity"),
        "biomarker": ("marker", "biomarker of response", "predictive biomarker", "prognostic biomarker"),
        "delivery_vehicle": ("delivery", "vehicle", "drug delivery", "delivery vehicle"),
    },
    DrugRole: {
        "treatment": ("therapy", "treated with"),
        "modifier": ("sensitiser", "sensitizer", "inhibitor", "modulator", "tool compound"),
        "payload": ("delivered", "loaded", "cargo drug"),
    },
    VesicleInvolvement: {
        "transfer_shown": ("transfer", "shown", "vesicle transfer", "exosomal transfer"),
        "cargo_associated": ("associated", "association", "cargo", "vesicle cargo"),
        "vesicle_independent": ("independent", "not vesicular", "context", "no vesicles"),
    },
    EvType: {
        "exosome": ("exosomes", "exosomal", "sEV", "small EV", "small extracellular vesicles"),
        "microvesicle": ("microvesicles", "MV", "MVs", "ectosome", "ectosomes"),
        "microparticle": ("microparticles", "MP", "MPs"),
        "ev": ("EV", "EVs", "extracellular vesicle", "extracellular vesicles", "vesicles"),
        "none": ("no vesicles", "not applicable"),
    },
    EvidenceLevel: {
        "A": ("level A", "clinical trial", "trial"),
        "B": ("level B", "patient cohort", "cohort", "patients", "clinical cohort"),
        "C": ("level C", "in vivo", "animal", "animal model", "mouse", "xenograft"),
        "D": ("level D", "in vitro", "cell line", "cell culture"),
        "E": ("level E", "inferential", "inferred"),
    },
}  # fmt: skip


def plain(text: str) -> str:
    """``text`` lower-cased, without accents ("Épithélial" is "epithelial")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


@functools.lru_cache(maxsize=1024)  # a TSV import reads the same few values in every row
def vocabulary_key(text: str) -> str:
    """How names of controlled values compare: ignoring case, accents, spacing, underscores,
    slashes and inner dashes, but not a trailing + or - (HER2+ is not HER2-)."""
    text = plain(text)
    text = re.sub(r"[\s_/\u2010-\u2015]+", " ", text)
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def names_by_key(
    choices: Iterable[tuple[str, str]], also_called: dict[str, tuple[str, ...]] | None = None
) -> dict[str, str]:
    """``vocabulary_key`` -> code, of each code, label and ``also_called`` name of ``choices``."""
    names: dict[str, str] = {}
    for value, label in choices:
        for name in (value, label, *(also_called or {}).get(value, ())):
            names.setdefault(vocabulary_key(str(name)), str(value))
    return names


#: ``ALSO_CALLED`` by the set of codes: a model field's choices do not say their TextChoices class.
_ALSO_CALLED_BY_CODES = {frozenset(vocabulary.values): names for vocabulary, names in ALSO_CALLED.items()}


def controlled_names(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``names_by_key`` of a vocabulary with its ``ALSO_CALLED`` names: the filters, the API's
    writes and the TSV import all read a value through it, so each takes what the others take."""
    choices = list(choices)
    return names_by_key(choices, _ALSO_CALLED_BY_CODES.get(frozenset(str(value) for value, _ in choices)))


def nearest_values(names: Mapping[str, str], text: str) -> list[str]:
    """The values whose names (a ``names_by_key`` table) are nearest to ``text``."""
    return sorted({names[key] for key in difflib.get_close_matches(vocabulary_key(text), names, 3, 0.5)})


def accepted_values(choices: Iterable[tuple[str, str]]) -> str:
    """A vocabulary's values as an error lists them: "tnbc (triple-negative)", or the label
    alone when it starts with the code's words ("D – in vitro")."""
    return ", ".join(
        label if vocabulary_key(label).startswith(vocabulary_key(value)) else f"{value} ({label})"
        for value, label in choices
    )


def named_by(names: Mapping[str, str], text: str) -> str | None:
    """The value ``text`` names in a ``names_by_key`` table, a plural too ("Luminals"), or None."""
    key = vocabulary_key(text)
    return names.get(key) or names.get(key.removesuffix("s"))


def closest(text: str, names: Iterable[str], n: int = 3) -> list[str]:
    """The names nearest to ``text`` by ``vocabulary_key``, best first."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(vocabulary_key(name), name)
    return [by_key[key] for key in difflib.get_close_matches(vocabulary_key(text), by_key, n=n, cutoff=0.5)]
