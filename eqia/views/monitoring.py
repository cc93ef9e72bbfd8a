"""The monitoring report of one version: a page, and the same report as a PDF."""

from __future__ import annotations

import hashlib

from flask import render_template
from flask_login import current_user, login_required

from eqia.responses import pdf_response
from eqia.services import assessments as service
from eqia.services import monitoring
from eqia.services.version_pdfs import Document
from eqia.views.assessments import bp


@bp.route("/<int:assessment_id>/monitoring")
@login_required
def monitoring_report(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    return render_template("assessments/monitoring.html", assessment=assessment,
                           report=monitoring.report(assessment, current_user))


@bp.route("/<int:assessment_id>/monitoring.pdf")
@login_required
def monitoring_pdf(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    data = monitoring.pdf_for(monitoring.report(assessment, current_user))
    return pdf_response(Document(data=data, filename=monitoring.filename_for(assessment),
                                 sha256=hashlib.sha256(data).hexdigest(), signed=False), public=False)
