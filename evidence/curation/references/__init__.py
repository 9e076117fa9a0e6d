"""Reading reference files into citations (BibTeX in ``evidence.curation.bibtex``)."""
