from evidence.curation.bibtex import BIBTEX_REASON, import_bibtex
from evidence.management.commands._common import CitationImportCommand


class Command(CitationImportCommand):
    help = (
        "Import citations from BibTeX files (Zotero, Mendeley, JabRef, Google Scholar exports). "
        "Idempotent; atomic unless --skip-invalid. Exits non-zero when any entry is bad."
    )
    default_reason = BIBTEX_REASON

    def import_files(self, sources, **options):
        return import_bibtex(sources, **options)
