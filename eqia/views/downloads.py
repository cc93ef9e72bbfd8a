"""Downloading an assessment as a PDF (the stored signed bytes, or the draft as
it is now) or as a Word document (made now, from the same content)."""

from __future__ import annotations

from flask import Response
from flask_login import current_user, login_required

from eqia.i18n import current_language
from eqia.responses import pdf_response
from eqia.services import assessments as service
from eqia.services import version_pdfs
from eqia.views.assessments import bp


@bp.route("/<int:assessment_id>/pdf")
@login_required
def pdf(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    # In the language of the request (the person's choice): English is the signed record itself.
    return pdf_response(version_pdfs.pdf_to_serve(assessment, current_language()), public=False)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/<int:assessment_id>/docx")
@login_required
def docx(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    document = version_pdfs.docx_for(assessment, current_language())
    response = Response(document.data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response  # never stored (eqia.security)
