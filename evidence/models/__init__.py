from evidence.models.base import Alias, AmbiguousName, ChangeLoggedModel, NamedEntity
from evidence.models.citation import Citation
from evidence.models.counts import EvidenceCount, EvidenceFacetKeys
from evidence.models.curation import CitationTriage, EvidenceComment, EvidenceFlag, EvidenceRevision, TriageDecision
from evidence.models.document import EvidenceDocument
from evidence.models.entities import Cargo, CargoAlias, CargoReach, Cell, CellAlias, Drug, DrugAlias
from evidence.models.evidence import Evidence, EvidenceDrug, StaleEdit, public_id_to_pk
from evidence.models.search import EvidenceSearch
from evidence.models.vocabulary import CancerType, DrugClass, Mechanism, TherapyClass

__all__ = [
    "Alias", "AmbiguousName", "CancerType", "Cargo", "CargoAlias", "CargoReach", "Cell", "CellAlias",
    "ChangeLoggedModel", "Citation", "CitationTriage", "Drug", "DrugAlias", "DrugClass", "Evidence",
    "EvidenceDocument", "EvidenceDrug", "EvidenceCount", "EvidenceFacetKeys", "EvidenceComment", "EvidenceFlag",
    "EvidenceSearch", "EvidenceRevision", "Mechanism", "NamedEntity", "StaleEdit", "TherapyClass", "TriageDecision",
    "public_id_to_pk",
]  # fmt: skip
