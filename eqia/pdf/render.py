"""HTML to PDF/UA-1 with WeasyPrint, then the structure it leaves out put right.

`pdf_from_html` renders one piece (what a PDF worker does); `document_from_html`
renders a whole document in this process, numbered as the worker pool's are.
"""

from __future__ import annotations

from weasyprint import HTML

from eqia.pdf import assemble, tagging
from eqia.pdf.fetcher import SCHEME, BundledAssets


def pdf_from_html(page: str, extra: dict[str, tuple[bytes, str]] | None = None,
                  fetcher: BundledAssets | None = None) -> bytes:
    fetcher = fetcher or BundledAssets(extra)
    raw = HTML(string=page, base_url=SCHEME, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")
    return tagging.finish(raw)


def document_from_html(page: str, extra: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    return assemble.assemble([pdf_from_html(page, extra)])
