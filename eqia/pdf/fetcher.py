"""What the PDF renderer may read: the project's own bundled assets, nothing else.

WeasyPrint fetches every URL it meets (stylesheets, fonts, images, even
`file:` links). User content is escaped text and never becomes markup, but the
fetcher is the second wall: anything but an `eqia-asset:` name on the list
below is refused, so no answer can make the renderer read a file of the server
or reach the network.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from eqia.config import PROJECT_ROOT

SCHEME = "eqia-asset:///"
FONTS = PROJECT_ROOT / "node_modules" / "@expo-google-fonts"
TEMPLATES = PROJECT_ROOT / "pdf_templates"

BUNDLED: dict[str, tuple[Path, str]] = {
    "print.css": (TEMPLATES / "print.css", "text/css"),
    "draft.svg": (TEMPLATES / "draft.svg", "image/svg+xml"),
    "fonts/NotoSans-Regular.ttf": (FONTS / "noto-sans" / "400Regular" / "NotoSans_400Regular.ttf", "font/ttf"),
    "fonts/NotoSans-Bold.ttf": (FONTS / "noto-sans" / "700Bold" / "NotoSans_700Bold.ttf", "font/ttf"),
    "fonts/NotoSans-Italic.ttf": (FONTS / "noto-sans" / "400Regular_Italic" / "NotoSans_400Regular_Italic.ttf",
                                  "font/ttf"),
    "fonts/NotoSansArabic-Regular.ttf": (FONTS / "noto-sans-arabic" / "400Regular" / "NotoSansArabic_400Regular.ttf",
                                         "font/ttf"),
    "fonts/NotoSansArabic-Bold.ttf": (FONTS / "noto-sans-arabic" / "700Bold" / "NotoSansArabic_700Bold.ttf",
                                      "font/ttf"),
}

_cache: dict[str, bytes] = {}


class RefusedFetch(ValueError):
    pass


class BundledAssets(URLFetcher):
    """Serves the names in BUNDLED, and any generated for one document
    (`extra`, such as its timeline drawing). Every other URL is refused and
    recorded in `refused`, which the tests read."""

    def __init__(self, extra: dict[str, tuple[bytes, str]] | None = None) -> None:
        super().__init__(allowed_protocols=())
        self.extra = extra or {}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        name = url[len(SCHEME):] if url.startswith(SCHEME) else None
        if name in self.extra:
            body, mime = self.extra[name]
        elif name in BUNDLED:
            path, mime = BUNDLED[name]
            if name not in _cache:
                if not path.exists():
                    # A PDF in a fallback font would look right and not be: stop instead.
                    raise FatalURLFetchingError(f"{path} is missing: run `make` to install the PDF fonts")
                _cache[name] = path.read_bytes()
            body = _cache[name]
        else:
            self.refused.append(url)
            raise RefusedFetch(f"the PDF may only use the service's own assets, not {url[:200]!r}")
        return URLFetcherResponse(url, body, {"Content-Type": mime})
