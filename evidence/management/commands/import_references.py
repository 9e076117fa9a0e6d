from evidence.management.commands._common import CitationImportCommand


class Command(CitationImportCommand):
    help = (
        "Import citations from MEDLINE (.nbib), RIS or CSL-JSON files, the format told from each file's content. "
        "Idempotent (by DOI, PMID, then title and year); atomic unless --skip-invalid. "
        "Exits non-zero when any record is bad."
    )
    default_reason = "Imported from a reference file"
    formats = {"medline", "ris", "csljson"}
