"""HTML to PDF/UA-1 with WeasyPrint, then the structure it leaves out put right."""

from __future__ import annotations

from weasyprint import HTML

from eqia.pdf import tagging
from eqia.pdf.fetcher import SCHEME, BundledAssets


def pdf_from_html(page: str, extra: dict[str, tuple[bytes, str]] | None = None,
                  fetcher: BundledAssets | None = None) -> bytes:
    fetcher = fetcher or BundledAssets(extra)
    raw = HTML(string=page, base_url=SCHEME, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")
    return tagging.finish(raw)
