"""A cumulative judgement as a document for the committee that decides the programme
(the budget round's cumulative equality impact assessment, which councils publish):
the lead's words on each group, the overall conclusion and what the council will do,
the signature and its fingerprint, and what each covered assessment found for each
group. Laid out as a tagged PDF (pdf_templates/cumulative_judgement.html, through
eqia.pdf.layout) and, from that PDF's own HTML, as Word (eqia.word), so the two never
say different things.

The covered assessments' impacts are the snapshot's (eqia.services.cumulative_judgements):
what they found when the judgement was signed, whatever their drafts say now. Rendered
when asked for and never kept; reading it writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from eqia.i18n import DEFAULT_LANGUAGE
from eqia.models import CumulativeJudgement, User, utcnow
from eqia.services import cumulative_judgements as judgements


def report_context(user: User, judgement_id: int, *, printed_at: datetime | None = None) -> dict:
    """Everything the document shows, of the judgement as `user` may see it (NotFound otherwise)."""
    judgement = judgements.get(user, judgement_id)
    shown = judgements.snapshot(judgement)
    return dict(judgement=judgement, state=judgements.definition_of(judgement).states[judgement.state],
                side_by_side=shown.side_by_side, newer=shown.newer, holds=judgements.signature_holds(judgement),
                printed_at=printed_at or utcnow())


def filename_for(judgement: CumulativeJudgement, language: str, suffix: str) -> str:
    language_part = "" if language == DEFAULT_LANGUAGE else "-" + language
    return f"cumulative-judgement-{judgement.id}-v{judgement.version_number}{language_part}.{suffix}"


def pdf_for(context: dict) -> bytes:
    """The judgement as a tagged PDF, rendered now, in the language being written."""
    from eqia.pdf.layout import judgement_html
    from eqia.pdf.render import document_from_html

    return document_from_html(judgement_html(context))


def docx_for(context: dict) -> bytes:
    """The judgement as Word, made from the PDF's own HTML."""
    from eqia.pdf.layout import judgement_html, judgement_title
    from eqia.word import docx_from_html

    return docx_from_html(judgement_html(context), title=judgement_title(context),
                          subject=_("Cumulative equality impact judgement"))
