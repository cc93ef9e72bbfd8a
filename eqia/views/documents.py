"""Downloading an assessment as a PDF (the stored signed bytes, or the draft as
it is now) or as a Word document (made now, from the same content)."""

from __future__ import annotations

import base64

from flask import Response
from flask_login import current_user, login_required

from eqia import security
from eqia.services import assessments as service
from eqia.services import documents
from eqia.views.assessments import bp


def pdf_response(document: documents.Document, *, public: bool) -> Response:
    response = Response(document.data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
    # The SHA-256 of the bytes, so anyone can check the copy they attach is the one served.
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(document.sha256)).decode()}:"
    response.headers["ETag"] = f'"{document.sha256}"'
    if public and document.signed:
        return security.public(response)
    return response  # a draft, or read by someone signed in: never stored (eqia.security)


@bp.route("/<int:assessment_id>/pdf")
@login_required
def pdf(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    return pdf_response(documents.pdf_to_serve(assessment), public=False)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/<int:assessment_id>/docx")
@login_required
def docx(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    document = documents.docx_for(assessment)
    response = Response(document.data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response  # never stored (eqia.security)
