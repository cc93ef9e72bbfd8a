"""Security headers on every response. The Content-Security-Policy allows no
inline script or style: the layout's only script is a file served from here.

No response may be stored by any cache unless its view says it is public
(`public`: the register's downloads and its signed PDFs, the API's description
of itself) or it is a file of the design system's: a page, an API answer, a
draft PDF or Word file can hold personal or restricted content."""

from __future__ import annotations

from flask import Flask, Response

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


PUBLIC_CACHE = "public, max-age=300"


def public(response: Response) -> Response:
    """What anyone may read, the same for everyone: a shared cache may keep it a few minutes."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"  # for HTTP/1.0 caches, which know no Cache-Control
        return response
