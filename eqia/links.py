"""Absolute addresses of the service's own pages and API resources.

Built from EQIA_BASE_URL, never from the request: the Host header is whatever
the client sent, and a link built from it (in the register's CSV, an API
response, a Location header) would point wherever an attacker chose, into
files and caches that outlive the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["EQIA_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
