"""From an assessment to the PDF's HTML, and from the HTML to PDF/UA-1 bytes."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from eqia.models import Assessment, AuditEvent, utcnow
from eqia.registry import characteristics, definition_for, profile_for
from eqia.services import challenge, documents, signing
from eqia.services.audit import anchor, trail
from eqia.services.summary import sign_off_summary
from eqia.workflow.rules import LOCAL_ZONE

TEMPLATE = "pdf/assessment.html"
DECISION_STEP = "Planned decision date"


@dataclass(frozen=True)
class Step:
    day: date
    label: str
    at: datetime | None = None  # the moment, for a step that happened at one; None for a day planned or given

    @property
    def order(self) -> tuple:
        # By day; within a day, a day given (regard started) first, then each moment in turn, then the decision.
        rank = 2 if self.label == DECISION_STEP else (1 if self.at else 0)
        return (self.day, rank, self.at.timestamp() if self.at else 0.0)


def _at(moment: datetime, label: str) -> Step:
    return Step(moment.astimezone(LOCAL_ZONE).date(), label, moment)


def timeline(assessment: Assessment, events: list[AuditEvent]) -> list[Step]:
    """Due regard started, screening, each round of challenge, each signature,
    the planned decision: in the order they happened (Kaur & Shah: regard before decision)."""
    definition = definition_for(assessment)
    steps: list[Step] = []
    if assessment.due_regard_started_on:
        steps.append(Step(assessment.due_regard_started_on, "Due regard started"))
    for e in events:
        if e.from_state == definition.initial and e.to_state != e.from_state:
            label = definition.transitions[e.action].label if e.action in definition.transitions else e.action
            steps.append(_at(e.occurred_at, f"Screening concluded: {label.lower()}"))
        elif e.action in ("agree_screen_out", "reject_screen_out", "return_for_more_work"):
            steps.append(_at(e.occurred_at, definition.transitions[e.action].label))
    for r in assessment.challenge_rounds:
        steps.append(_at(r.opened_at, f"Challenge round {r.number} opened"))
        if r.closed_at:
            steps.append(_at(r.closed_at, f"Challenge round {r.number}: "
                              f"{definition.transitions[r.decision].label.lower() if r.decision in definition.transitions else r.decision}"))
    for s in assessment.sign_offs:
        steps.append(_at(s.signed_at, f"Signed off by {s.signer_name}"))
    if assessment.planned_decision_date:
        steps.append(Step(assessment.planned_decision_date, DECISION_STEP))
    return sorted(steps, key=lambda s: s.order)


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
        decision = any(steps[n - 1].label == DECISION_STEP for n in numbers)
        colour = "#b10e1e" if decision else "#1d70b8"
        parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="6" fill="{colour}"/>')
        label = str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}\u2013{numbers[-1]}"
        parts.append(f'<text x="{x:.1f}" y="{y - 14 if i % 2 == 0 else y + 26}" font-family="EqIA Sans" '
                     f'font-size="11" text-anchor="middle" fill="#0b0c0c">{label}</text>')
    parts.append(f'<text x="{left}" y="104" font-family="EqIA Sans" font-size="10" fill="#505a5f">'
                 f'{html.escape(f"{steps[0].day.day} {steps[0].day:%B %Y}")}</text>')
    parts.append(f'<text x="{right}" y="104" font-family="EqIA Sans" font-size="10" fill="#505a5f" '
                 f'text-anchor="end">{html.escape(f"{steps[-1].day.day} {steps[-1].day:%B %Y}")}</text>')
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")


def context_for(assessment: Assessment, *, printed_at: datetime | None = None) -> dict:
    """Everything the document shows, for the PDF template (and so the Word copy)."""
    definition = definition_for(assessment)
    events = trail(assessment)
    steps = timeline(assessment, events)
    rounds = {r.number: (definition.transitions[r.decision].label if r.decision in definition.transitions
                         else "under review") for r in assessment.challenge_rounds}
    final = documents.is_final(assessment)  # stored once and served byte for byte from then on
    return dict(
        assessment=assessment, state=definition.states[assessment.state], draft=not final,
        summary=sign_off_summary(assessment), chars=characteristics(), task_title=challenge.task_title,
        # The wording of the aims judged relevant for each group (an aim this service's profile
        # lacks is named as another profile's, as the pages do).
        aims={i.characteristic_key: characteristics().aim_labels(i.relevant_aims) for i in assessment.impacts},
        timeline=steps, timeline_alt=timeline_alt(steps), round_labels=rounds,
        signatures=signing.valid_signatures(assessment) if assessment.sign_offs else [], events=events,
        definition=definition, printed_at=printed_at or utcnow(),
        # The duty it names is the one of the profile it was made under.
        profile=profile_for(assessment),
        # The whole trail's head as this final copy is made (at sign-off, or when a
        # screen-out is agreed): a later truncation or rewrite of the trail contradicts
        # it. Not on drafts, which are cached.
        anchor=anchor() if final else None,
    )


def html_for(assessment: Assessment, *, printed_at: datetime | None = None) -> tuple[str, dict]:
    """The document's HTML and the generated assets it refers to."""
    context = context_for(assessment, printed_at=printed_at)
    return render_template(TEMPLATE, **context), {"timeline.svg": (timeline_svg(context["timeline"]),
                                                                   "image/svg+xml")}


def timeline_alt(steps: list[Step]) -> str:
    return "Timeline of due regard, numbered as in the table below: " + "; ".join(
        f"{n}. {s.day.day} {s.day:%B %Y}: {s.label}" for n, s in enumerate(steps, start=1))
