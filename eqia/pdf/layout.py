"""From the context the EqIA package builds (eqia.services.pdf_document) to the
PDF's HTML and the drawings it refers to. A leaf: it reads no database and
calls no service; eqia.pdf.render turns the HTML into PDF/UA-1 bytes."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import escape

from eqia.i18n import current_language, said
from eqia.pdf.fetcher import TEMPLATES

TEMPLATE = "pdf/assessment.html"
# In the language being written (str() of it), as every step's label is: a document is made whole
# inside one language (eqia.services.version_pdfs), so a step and this are compared in the same one.
DECISION_STEP = _l("Planned decision date")


@dataclass(frozen=True)
class Step:
    day: date
    label: str
    at: datetime | None = None  # the moment, for a step that happened at one; None for a day planned or given

    @property
    def order(self) -> tuple:
        # By day; within a day, a day given (regard started) first, then each moment in turn, then the decision.
        rank = 2 if self.label == str(DECISION_STEP) else (1 if self.at else 0)
        return (self.day, rank, self.at.timestamp() if self.at else 0.0)


def timeline_svg(steps: list[Step]) -> bytes:
    """A simple line with a numbered mark for each step, placed by date; the
    table beside it carries the same facts for anyone who cannot see it."""
    width, left, right, y = 640, 30, 610, 60
    if not steps:
        return b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="20"/>'
    first, last = steps[0].day.toordinal(), steps[-1].day.toordinal()
    span = max(last - first, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="110" viewBox="0 0 {width} 110">',
             f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#0b0c0c" stroke-width="2"/>']
    # Steps on the same day share one mark, labelled with their numbers in the table.
    days: dict[date, list[int]] = {}
    for n, step in enumerate(steps, start=1):
        days.setdefault(step.day, []).append(n)
    for i, (day, numbers) in enumerate(days.items()):
        x = left + (right - left) * (day.toordinal() - first) / span
        decision = any(steps[n - 1].label == str(DECISION_STEP) for n in numbers)
        colour = "#b10e1e" if decision else "#1d70b8"
        parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="6" fill="{colour}"/>')
        label = str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}\u2013{numbers[-1]}"
        parts.append(f'<text x="{x:.1f}" y="{y - 14 if i % 2 == 0 else y + 26}" font-family="EqIA Sans" '
                     f'font-size="11" text-anchor="middle" fill="#0b0c0c">{label}</text>')
    parts.append(f'<text x="{left}" y="104" font-family="EqIA Sans" font-size="10" fill="#505a5f">'
                 f'{html.escape(_day(steps[0].day))}</text>')
    parts.append(f'<text x="{right}" y="104" font-family="EqIA Sans" font-size="10" fill="#505a5f" '
                 f'text-anchor="end">{html.escape(_day(steps[-1].day))}</text>')
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")


def _day(value: date) -> str:
    from eqia.i18n import govuk_date  # "6 Rhagfyr 2026" in Welsh

    return govuk_date(value)


def group_names(impacts) -> str:
    """The groups of these analyses, named in the language being written."""
    return ", ".join(said(i.characteristic_label) for i in impacts)


# What the templates use to say words kept elsewhere in the language being written.
HELPERS = {"said": said, "group_names": group_names}


def draft_mark() -> bytes | None:
    """The DRAFT watermark in the language being written; None for English (the bundled one)."""
    if current_language() == "en":
        return None
    word = _("DRAFT")
    svg = (TEMPLATES / "draft.svg").read_text(encoding="utf-8")
    # The same width as the English mark, whatever the word's length.
    size = min(150, round(150 * 5 / max(len(word), 1)))
    svg = svg.replace('font-size="150"', f'font-size="{size}"').replace(">DRAFT<", f">{escape(word)}<")
    return svg.encode("utf-8")


def html_for(context: dict) -> tuple[str, dict]:
    """The document's HTML and the generated assets it refers to, in the language being written."""
    steps = context["timeline"]
    page = render_template(TEMPLATE, **HELPERS, **context, timeline_alt=timeline_alt(steps))
    extra = {"timeline.svg": (timeline_svg(steps), "image/svg+xml")}
    mark = draft_mark()
    if mark is not None:
        extra["draft.svg"] = (mark, "image/svg+xml")
    return page, extra


def timeline_alt(steps: list[Step]) -> str:
    return _("Timeline of due regard, numbered as in the table below: %(steps)s", steps="; ".join(
        f"{n}. {_day(s.day)}: {s.label}" for n, s in enumerate(steps, start=1)))


MONITORING_TEMPLATE = "pdf/monitoring.html"


def monitoring_html(context: dict) -> str:
    """The monitoring report's HTML (eqia.services.monitoring builds the context)."""
    return render_template(MONITORING_TEMPLATE, **HELPERS, **context)


PLAN_PROGRESS_TEMPLATE = "pdf/plan_progress.html"


def plan_progress_title(context: dict) -> str:
    """The progress report's title (its <title>, and the Word copy's), with the period when one is named."""
    if context["period"]:
        return _("Progress against the action plan: %(title)s, %(period)s", title=context["plan"].title,
                 period=context["period"])
    return _("Progress against the action plan: %(title)s", title=context["plan"].title)


def plan_progress_html(context: dict) -> str:
    """An action plan's progress report's HTML (eqia.services.plan_report builds the context)."""
    title = context["plan"].title
    # Said here, not in the template: Jinja's gettext would HTML-escape the title, and entities
    # mean nothing inside the running header's CSS string (css_string escapes it for CSS instead).
    running = _("Progress report: %(title)s", title=title if len(title) <= 60 else title[:59] + "\u2026")
    return render_template(PLAN_PROGRESS_TEMPLATE, **HELPERS, **context, title=plan_progress_title(context),
                           running_header=running)


JUDGEMENT_TEMPLATE = "pdf/cumulative_judgement.html"


def judgement_title(context: dict) -> str:
    """A cumulative judgement's title (its <title>, and the Word copy's)."""
    return _("Cumulative equality impact: %(programme)s, version %(version)s",
             programme=context["judgement"].programme, version=context["judgement"].version_number)


def judgement_html(context: dict) -> str:
    """A cumulative judgement's document (eqia.services.judgement_report builds the context)."""
    programme = context["judgement"].programme
    running = _("Cumulative equality impact: %(programme)s",
                programme=programme if len(programme) <= 60 else programme[:59] + "\u2026")
    return render_template(JUDGEMENT_TEMPLATE, **HELPERS, **context, title=judgement_title(context),
                           running_header=running)


FRAMEWORK_TEMPLATE = "pdf/framework_report.html"


def framework_report_title(context: dict) -> str:
    """The self-assessment report's title (its <title>, and the Word copy's)."""
    return _("%(framework)s: self-assessment %(period)s", framework=said(context["framework"].title),
             period=context["found"].period)


def framework_report_html(context: dict) -> str:
    """A self-assessment's report for a committee (eqia.services.framework_report builds the context)."""
    title = framework_report_title(context)
    running = title if len(title) <= 70 else title[:69] + "\u2026"
    return render_template(FRAMEWORK_TEMPLATE, **HELPERS, **context, title=title, running_header=running)
