from django.db import models


class EvidenceDocument(models.Model):
    """One item's API document, as JSON text kept by PostgreSQL (migration 0026)."""

    evidence = models.OneToOneField(
        "evidence.Evidence", primary_key=True, on_delete=models.DO_NOTHING, related_name="api_document"
    )
    document = models.TextField()

    class Meta:
        # Created by migration 0026's SQL; managed so that a flush truncates it too.
        db_table = "evidence_document"

    def __str__(self) -> str:
        return f"API document of evidence {self.evidence_id}"
