"""Reading reference files into citations.

PubMed XML, MEDLINE, RIS and CSL-JSON here; BibTeX in ``evidence.curation.bibtex``.
"""
