"""A self-assessment against the Equality Framework for a committee: each module's
criteria with this period's rating beside the previous self-assessment's, whether it
moved, the evidence, and the gaps counted. The same context is laid out as a tagged
PDF (eqia.pdf.layout, pdf_templates/framework_report.html) and, from that PDF's own
HTML, as Word (eqia.word), so the two never say different things; the CSV carries the
same rows. Reading the report writes nothing; it is rendered when asked for, never kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from eqia.i18n import DEFAULT_LANGUAGE
from eqia.models import User, utcnow
from eqia.models.framework import FrameworkAssessment
from eqia.services import framework
from eqia.services.framework import CriterionRow

UP, SAME, DOWN, NEW = "up", "same", "down", "new"


def movement(definition, row: CriterionRow) -> str:
    """How a criterion's rating moved since the previous self-assessment: a code."""
    order = [r.key for r in definition.ratings]
    if row.rating not in order or row.previous_rating not in order:
        return NEW if row.rating in order else SAME
    now, before = order.index(row.rating), order.index(row.previous_rating)
    return UP if now > before else DOWN if now < before else SAME


@dataclass(frozen=True)
class Counts:
    criteria: int
    rated: int
    gaps: int
    up: int
    down: int


def report_context(user: User, assessment_id: int, *, printed_at: datetime | None = None) -> dict:
    """Everything the report shows, for any signed-in member of staff (NotFound otherwise)."""
    found = framework.get(user, assessment_id)
    definition = framework.framework_of(found)
    modules = framework.compared(found)
    rows = [r for g in modules for r in g.rows]
    moved = {r.criterion.key: movement(definition, r) for r in rows}
    counts = Counts(criteria=len(rows), rated=sum(bool(r.rating) for r in rows),
                    gaps=sum(definition.is_gap(r.rating) for r in rows),
                    up=sum(m == UP for m in moved.values()), down=sum(m == DOWN for m in moved.values()))
    return dict(found=found, framework=definition, modules=modules, moved=moved, counts=counts,
                previous=found.previous, ratings=definition.rating_labels,
                linked={r.criterion.key: ", ".join(framework.token_of(link) for link in r.now.links) if r.now else ""
                        for r in rows},
                printed_at=printed_at or utcnow())


def filename_for(found: FrameworkAssessment, language: str, suffix: str) -> str:
    return f"self-assessment-{found.id}{'' if language == DEFAULT_LANGUAGE else '-' + language}.{suffix}"


def table(found: FrameworkAssessment) -> Iterator[list]:
    """The self-assessment as rows for a spreadsheet: a heading row, then a row a criterion. Codes where a
    spreadsheet would sort or filter (the ratings), with the criterion's words beside its number."""
    definition = framework.framework_of(found)
    previous = found.previous.period if found.previous else ""
    yield [_("Module"), _("Number"), _("Criterion"), _("Rating"),
           _("Rating in %(period)s", period=previous) if previous else _("Previous rating"),
           _("Gap"), _("Evidence"), _("Linked from this service")]
    for group in framework.compared(found):
        for row in group.rows:
            yield [str(group.module.title), row.criterion.number, str(row.criterion.label), row.rating,
                   row.previous_rating, _("Yes") if definition.is_gap(row.rating) else _("No"),
                   row.now.evidence if row.now else "",
                   " ".join(framework.token_of(link) for link in row.now.links) if row.now else ""]


def pdf_for(context: dict) -> bytes:
    """The report as a tagged PDF, rendered now, in the language being written."""
    from eqia.pdf.layout import framework_report_html
    from eqia.pdf.render import document_from_html

    return document_from_html(framework_report_html(context))


def docx_for(context: dict) -> bytes:
    """The report as Word, made from the PDF's own HTML."""
    from eqia.pdf.layout import framework_report_html, framework_report_title
    from eqia.word import docx_from_html

    return docx_from_html(framework_report_html(context), title=framework_report_title(context),
                          subject=_("Equality Framework self-assessment"))
