from evidence.management.commands._common import CitationImportCommand


class Command(CitationImportCommand):
    help = (
        "Import citations with their abstracts from PubMed XML (a PubmedArticleSet, as E-utilities efetch gives "
        "with db=pubmed&retmode=xml; PubMed's .nbib export goes through import_references). Idempotent (by DOI, "
        "PMID, then title and year); atomic unless --skip-invalid. Exits non-zero when any record is bad."
    )
    default_reason = "Imported from PubMed XML"
    formats = {"pubmed"}
