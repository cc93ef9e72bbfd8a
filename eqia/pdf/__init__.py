"""The EqIA as an accessible PDF (and a Word copy).

template (pdf_templates/) -> HTML (document) -> WeasyPrint PDF/UA-1, fetching
only the bundled assets (fetcher) -> the structure WeasyPrint leaves out put
right (tagging) -> bytes, stored at sign-off or cached by content hash
(eqia.services.version_pdfs). `checks` reads a PDF back the way the tests do.
"""
