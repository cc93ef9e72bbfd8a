"""The monitoring report of one version (DOMAIN.md, step 7: the duty continues after
the decision): the actions it promised, as signed, with the progress recorded on each and
which are overdue; and the impacts it predicted against those its review found.

The same report is a page and a PDF: this gathers it, the page shows it, and eqia.pdf lays
the PDF out from the context made here. Reading it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from eqia.models import Assessment, User, utcnow
from eqia.loaded_definitions import definition_for, profile_for
from eqia.services import access
from eqia.services.action_progress import ActionProgress, progress, today
from eqia.services.review_outcomes import GroupReview, next_step_words, side_by_side
from eqia.assessments.shape import review_recorded

@dataclass(frozen=True)
class MonitoringReport:
    assessment: Assessment
    on: date  # the day "overdue" is judged on
    actions: list[ActionProgress]
    review: Assessment | None  # the version that reviewed this one, where it has said anything and may be read
    groups: list[GroupReview]  # each group's prediction, beside what the review found (if there is one)

    @property
    def overdue(self) -> list[ActionProgress]:
        return [p for p in self.actions if p.overdue]

    @property
    def next_step(self) -> str:
        return next_step_words(self.review) if self.review is not None else ""

def report(assessment: Assessment, user: User, on: date | None = None) -> MonitoringReport:
    """The report as `user` may read it: the review is left out where they may not see that version."""
    following = assessment.next_version
    review = following if (following is not None and review_recorded(following)
                           and access.can_view(user, following)) else None
    return MonitoringReport(assessment=assessment, on=on or today(), actions=progress(assessment, on),
                            review=review, groups=side_by_side(review, assessment))

def pdf_context(found: MonitoringReport, printed_at: datetime | None = None) -> dict:
    """Everything the report's PDF shows, for eqia.pdf.layout."""
    return dict(report=found, assessment=found.assessment, profile=profile_for(found.assessment),
                state=definition_for(found.assessment).states[found.assessment.state],
                printed_at=printed_at or utcnow())

def pdf_for(found: MonitoringReport) -> bytes:
    """The report as a tagged PDF, rendered now: it changes with every update, so it is never stored."""
    from eqia.pdf.layout import monitoring_html
    from eqia.pdf.render import document_from_html

    return document_from_html(monitoring_html(pdf_context(found)))

def filename_for(assessment: Assessment) -> str:
    return f"{assessment.reference}-v{assessment.version_number}-monitoring.pdf"
