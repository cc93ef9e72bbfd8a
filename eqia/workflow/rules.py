"""The named rules a workflow definition may use.

A definition refers to these by name (`guards`, `required_fields`, `effects`);
loading fails on a name that is not here. Each message is written once, here,
and tests check it by its exact text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from eqia.characteristics import CharacteristicSet
    from eqia.models import Assessment, User
    from eqia.workflow.definition import Transition, WorkflowDefinition

# Dates in English local government are London dates: a decision "on the 5th"
# means the 5th in London, whatever the server's clock zone.
LOCAL_ZONE = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Problem:
    """Something that stops a transition, with where on which page to fix it."""

    message: str
    endpoint: str = ""  # the page to fix it on (a view endpoint), "" if none
    field: str = ""  # the id of the field on that page


@dataclass
class TransitionContext:
    assessment: Assessment
    user: User | None  # None for a system transition
    definition: WorkflowDefinition
    transition: Transition
    characteristics: CharacteristicSet
    now: datetime
    comment: str = ""

    @property
    def local_today(self) -> date:
        return self.now.astimezone(LOCAL_ZONE).date()


@dataclass(frozen=True)
class Effect:
    run: Callable[[TransitionContext], None]
    needs_triggers: tuple[str, ...] = ()


GUARDS: dict[str, Callable[[TransitionContext], list[Problem]]] = {}
REQUIREMENTS: dict[str, Callable[[Assessment, CharacteristicSet], list[Problem]]] = {}
EFFECTS: dict[str, Effect] = {}


def guard(name: str):
    def register(fn):
        GUARDS[name] = fn
        return fn
    return register


def requirement(name: str):
    def register(fn):
        REQUIREMENTS[name] = fn
        return fn
    return register


def effect(name: str, needs_triggers: tuple[str, ...] = ()):
    def register(fn):
        EFFECTS[name] = Effect(run=fn, needs_triggers=needs_triggers)
        return fn
    return register


# ---------------------------------------------------------------- requirements

REGISTER_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Enter the title of the activity being assessed"),
    ("lead_officer", "Enter the name of the lead officer"),
    ("activity_kind", "Select the kind of activity"),
    ("aims", "Enter the aims of the activity"),
    ("decision_maker", "Enter who will make the decision"),
    ("decision_forum", "Enter where the decision will be made, for example Cabinet"),
    ("planned_decision_date", "Enter the date the decision will be made"),
    ("due_regard_started_on", "Enter the date due regard started"),
)

DECISION_BEFORE_REGARD = "The date the decision will be made must be on or after the date due regard started"


@requirement("register_details")
def register_details_complete(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    problems = [
        Problem(message, "assessments.edit_details", field)
        for field, message in REGISTER_FIELDS
        if getattr(assessment, field) in (None, "") or (isinstance(getattr(assessment, field), str)
                                                         and not getattr(assessment, field).strip())
    ]
    if (assessment.planned_decision_date and assessment.due_regard_started_on
            and assessment.planned_decision_date < assessment.due_regard_started_on):
        problems.append(Problem(DECISION_BEFORE_REGARD, "assessments.edit_details", "planned_decision_date"))
    return problems


def screening_answer_missing(name: str) -> str:
    return f"Select whether the activity could affect {name} differently"


def screening_reason_missing(name: str) -> str:
    return f"Give a reason for your answer about {name}"


RELEVANCE_MISSING = "Select how relevant the activity is to equality"
CONCLUSION_MISSING = "Enter your screening conclusion and the reasons for it"


@requirement("screening")
def screening_complete(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    problems = []
    for answer in assessment.screening_answers:
        field = f"answer-{answer.characteristic_key}"
        if not answer.affects:
            problems.append(Problem(screening_answer_missing(answer.characteristic_label),
                                    "assessments.edit_screening", field))
        elif not answer.reason.strip():
            problems.append(Problem(screening_reason_missing(answer.characteristic_label),
                                    "assessments.edit_screening", f"reason-{answer.characteristic_key}"))
    if not assessment.screening_relevance:
        problems.append(Problem(RELEVANCE_MISSING, "assessments.edit_screening", "relevance"))
    if not assessment.screening_conclusion.strip():
        problems.append(Problem(CONCLUSION_MISSING, "assessments.edit_screening", "conclusion"))
    return problems


# ---------------------------------------------------------------------- guards

def screen_out_blocked_by_unknown(names: list[str]) -> str:
    return ("You cannot propose a screen-out while any group is \u201cDon\u2019t know\u201d: this EqIA needs a full "
            f"assessment to find out. Still unknown: {', '.join(names)}.")


@guard("screening_has_no_unknowns")
def screening_has_no_unknowns(ctx: TransitionContext) -> list[Problem]:
    # "Don't know" is not "no" (North Yorkshire's rule): it sends the EqIA to full assessment.
    unknown = ctx.characteristics.keys_meaning("screening_answer", "unknown")
    names = [a.characteristic_label for a in ctx.assessment.screening_answers if a.affects in unknown]
    return [Problem(screen_out_blocked_by_unknown(names), "assessments.edit_screening")] if names else []


def sign_off_too_late(decision_date: date) -> str:
    return (f"You cannot sign off on or after the planned decision date ({decision_date.day} {decision_date:%B %Y}): due regard "
            "must be paid before the decision is made. If the decision has moved, change the planned decision "
            "date first.")


NO_DECISION_DATE = "Enter the date the decision will be made before signing off"


@guard("before_planned_decision_date")
def before_planned_decision_date(ctx: TransitionContext) -> list[Problem]:
    # R (Rotherham) 2014: "an after the event assessment cannot save the decision".
    decision_date = ctx.assessment.planned_decision_date
    if decision_date is None:
        return [Problem(NO_DECISION_DATE, "assessments.edit_details", "planned_decision_date")]
    if ctx.local_today >= decision_date:
        return [Problem(sign_off_too_late(decision_date), "assessments.edit_details", "planned_decision_date")]
    return []


def review_already_open(version_number: int) -> str:
    return f"A review is already open as version {version_number}. Continue it there."


@guard("no_open_next_version")
def no_open_next_version(ctx: TransitionContext) -> list[Problem]:
    following = ctx.assessment.next_version
    if following is not None:
        return [Problem(review_already_open(following.version_number))]
    return []


# --------------------------------------------------------------------- effects

@effect("create_next_version")
def create_next_version(ctx: TransitionContext) -> None:
    from eqia.services.versions import create_next_version as create

    create(ctx)


@effect("supersede_previous_version", needs_triggers=("supersede",))
def supersede_previous_version(ctx: TransitionContext) -> None:
    from eqia.services.versions import supersede_previous_version as supersede

    supersede(ctx)
