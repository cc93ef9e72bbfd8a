"""HTTP answers the pages and the API give alike: a PDF download, and the
problem document (RFC 9457) every API refusal is. Both the page blueprints and
the API import from here, never from each other."""

from __future__ import annotations

import base64

from flask import Response, jsonify, request

from eqia import security
from eqia.services import version_pdfs

PROBLEM = "application/problem+json"
API_PREFIX = "/api/v1"

TITLES = {
    400: "The request is malformed",
    401: "A valid API token is needed",
    403: "You may not do this",
    404: "Not found",
    405: "This method is not allowed here",
    409: "This cannot be done now",
    413: "What was sent is too large",
    415: "Send JSON",
    422: "What was sent is not valid",
    428: "Say which version you are changing",
    429: "Too many requests",
    500: "The service failed",
    503: "The service is unavailable",
}


def problem(status: int, detail: str = "", errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, TITLES[500]), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def pdf_response(document: version_pdfs.Document, *, public: bool) -> Response:
    response = Response(document.data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
    # The SHA-256 of the bytes, so anyone can check the copy they attach is the one served.
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(document.sha256)).decode()}:"
    response.headers["ETag"] = f'"{document.sha256}"'
    if public and document.signed:
        return security.public(response)
    return response  # a draft, or read by someone signed in: never stored (eqia.security)
