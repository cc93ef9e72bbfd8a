"""The sections of an EqIA and the rules that make each one complete.

A workflow definition names these sections in `required_fields`; the task list,
the "check your answers" page, the "mark as completed" check on every section
page and the workflow's own check before a transition all call the functions
here. Each message is written once, here, and tests check it by its exact text.

A section's `check` looks only at content. Whether the author has marked the
section as completed is a separate fact (SectionCompletion rows): marking is
refused while `check` finds problems, and a transition needs both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from flask_babel import gettext as _, lazy_gettext as _l

from eqia.i18n import stored_name
from eqia.assessments.shape import REGISTER_FIELDS
from eqia.audit_words import lend_names
from eqia.models import (ACTION_STATUSES, CHALLENGE_RESPONSES, CHALLENGE_STATUSES, CONTINUE_DESPITE_ADVERSE,
                         EVIDENCE_KINDS, OUTCOMES, REVIEW_ACTUALS, REVIEW_NEXT_STEPS)
from eqia.workflow.hooks import Problem, requirement
from eqia.workflow.errors import N_

if TYPE_CHECKING:
    from eqia.characteristics import CharacteristicSet
    from eqia.models import Action, Assessment, CharacteristicImpact, Consultation, EvidenceItem


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------ register details

REGISTER_REQUIRED: tuple[tuple[str, object], ...] = (
    ("title", _l("Enter the title of the activity being assessed")),
    ("lead_officer", _l("Enter the name of the lead officer")),
    ("activity_kind", _l("Select the kind of activity")),
    ("aims", _l("Enter the aims of the activity")),
    ("people_affected", _l("Enter who is affected by the activity")),
    ("decision_maker", _l("Enter who will make the decision")),
    ("decision_forum", _l("Enter where the decision will be made, for example Cabinet")),
    ("planned_decision_date", _l("Enter the date the decision will be made")),
    ("due_regard_started_on", _l("Enter the date due regard started")),
)

DECISION_BEFORE_REGARD = _l("The date the decision will be made must be on or after the date due regard "
                            "started")


def register_details_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    problems = [Problem(str(message), "register_details", field)
                for field, message in REGISTER_REQUIRED if _blank(getattr(assessment, field))]
    if (assessment.planned_decision_date and assessment.due_regard_started_on
            and assessment.planned_decision_date < assessment.due_regard_started_on):
        problems.append(Problem(str(DECISION_BEFORE_REGARD), "register_details", "planned_decision_date"))
    return problems


# ------------------------------------------------------------------- screening

def screening_answer_missing(name: str) -> str:
    return _("%(group)s: select whether the activity could affect people in this group differently", group=name)


def screening_reason_missing(name: str) -> str:
    return _("%(group)s: give a reason for your answer", group=name)


def advances_missing(name: str) -> str:
    return _("%(group)s: select whether the activity could advance equality of opportunity for this group",
             group=name)


RELEVANCE_MISSING = _l("Select how relevant the activity is to equality")
PROPOSAL_MISSING = _l("Select whether a full assessment is needed")
CONCLUSION_MISSING = _l("Enter your screening conclusion and the reasons for it")


def screen_out_blocked_by_unknown(names: list[str]) -> str:
    return _("You cannot propose a screen-out while any group is \u201cDon\u2019t know\u201d: this EqIA "
             "needs a full "
             "assessment to find out. Still unknown: %(groups)s.", groups=", ".join(names))


def unknown_groups(assessment: Assessment, characteristics: CharacteristicSet) -> list[str]:
    # "Don't know" is not "no" (North Yorkshire's rule): it sends the EqIA to full assessment.
    unknown = characteristics.keys_meaning("screening_answer", "unknown")
    return [stored_name(a.characteristic_label) for a in assessment.screening_answers if a.affects in unknown]


def aims_for(characteristic_key: str, characteristics: CharacteristicSet) -> tuple[str, ...]:
    """The duty's aims that apply to a group (section 149(7): marriage and civil
    partnership, aim (a) only); a group the profile does not configure (written
    under another) is asked about every aim of this profile."""
    c = characteristics.get(characteristic_key)
    return c.aims if c else tuple(characteristics.aims)


def asks_about_advancing(characteristic_key: str, characteristics: CharacteristicSet) -> bool:
    """Aim (b) does not apply to every group (marriage and civil partnership:
    aim (a) only), so the screening question is asked only where it does."""
    return "b" in aims_for(characteristic_key, characteristics)


SCREENING_REVIEW_DATE_MISSING = _l("Enter the date this screening decision should be reviewed")
SCREENING_REVIEW_DATE_NOT_FUTURE = _l("The date this screening decision should be reviewed must be in the "
                                      "future")
SCREENING_REVIEW_DATE_TOO_FAR = _l("The date this screening decision should be reviewed must be within 3 "
                                   "years")
# Three years: an activity that no one looks at again for longer has usually changed (its budget, its users,
# the evidence) without anyone asking whether the screen-out still holds.
SCREENING_REVIEW_YEARS = 3


def screening_review_date_problems(review_date: date | None, today: date, *, required: bool) -> list[Problem]:
    """The review date of a screen-out: in the future and within SCREENING_REVIEW_YEARS. `required` when the
    screen-out is being proposed; a save of the page only checks a date that is given."""
    if review_date is None:
        return [Problem(str(SCREENING_REVIEW_DATE_MISSING), "screening", "review_date")] if required else []
    if review_date <= today:
        return [Problem(str(SCREENING_REVIEW_DATE_NOT_FUTURE), "screening", "review_date")]
    try:
        latest = today.replace(year=today.year + SCREENING_REVIEW_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + SCREENING_REVIEW_YEARS, day=28)
    if review_date > latest:
        return [Problem(str(SCREENING_REVIEW_DATE_TOO_FAR), "screening", "review_date")]
    return []


def screening_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    page = "screening"
    problems = []
    for answer in assessment.screening_answers:
        name, key = stored_name(answer.characteristic_label), answer.characteristic_key
        if not answer.affects:
            problems.append(Problem(screening_answer_missing(name), page, f"answer_{key}"))
        elif _blank(answer.reason):
            problems.append(Problem(screening_reason_missing(name), page, f"reason_{key}"))
        if asks_about_advancing(key, characteristics) and not answer.advances_equality:
            problems.append(Problem(advances_missing(name), page, f"advances_{key}"))
    if not assessment.screening_relevance:
        problems.append(Problem(str(RELEVANCE_MISSING), page, "relevance"))
    if not assessment.screening_proposal:
        problems.append(Problem(str(PROPOSAL_MISSING), page, "proposal"))
    elif assessment.screening_proposal == "screen_out":
        unknown = unknown_groups(assessment, characteristics)
        if unknown:
            problems.append(Problem(screen_out_blocked_by_unknown(unknown), page, "proposal"))
    if _blank(assessment.screening_conclusion):
        problems.append(Problem(str(CONCLUSION_MISSING), page, "conclusion"))
    return problems


# -------------------------------------------------------------------- evidence

EVIDENCE_NONE = _l("Add at least one piece of evidence you have considered")
EVIDENCE_KIND_MISSING = _l("Select the kind of evidence")
EVIDENCE_SOURCE_MISSING = _l("Enter where the evidence comes from")
EVIDENCE_SUMMARY_MISSING = _l("Enter what the evidence shows")
EVIDENCE_DATE_FUTURE = _l("The date of the evidence must be today or in the past")
LINK_NOT_WEB = N_("Enter a link that starts with https:// or http://, or leave it blank")


def is_web_link(link: str) -> bool:
    parts = urlsplit(link.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def evidence_item_problems(item: EvidenceItem, today: date) -> list[Problem]:
    """Checked on every save of an item: an item is small enough to be whole."""
    problems = []
    if item.kind not in EVIDENCE_KINDS:
        problems.append(Problem(str(EVIDENCE_KIND_MISSING), field="kind"))
    if _blank(item.source):
        problems.append(Problem(str(EVIDENCE_SOURCE_MISSING), field="source"))
    if item.dated and item.dated > today:
        problems.append(Problem(str(EVIDENCE_DATE_FUTURE), field="dated"))
    if _blank(item.summary):
        problems.append(Problem(str(EVIDENCE_SUMMARY_MISSING), field="summary"))
    if item.link and not is_web_link(item.link):
        problems.append(Problem(_(LINK_NOT_WEB), field="link"))
    return problems


def evidence_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    if not assessment.evidence_items:
        return [Problem(str(EVIDENCE_NONE), "evidence", "add")]
    return []


# ---------------------------------------------------------------- consultation

CONSULTATION_MISSING = _l("Add the consultation or engagement you carried out, or explain why there was none")
CONSULTATION_WHO_MISSING = _l("Enter who you consulted or engaged with")
CONSULTATION_START_MISSING = _l("Enter the date the consultation or engagement started")
CONSULTATION_END_BEFORE_START = _l("The end date must be the same as or after the start date")
CONSULTATION_METHOD_MISSING = _l("Enter how you consulted or engaged with them")
CONSULTATION_SAID_MISSING = _l("Enter what people told you")
CONSULTATION_CHANGE_MISSING = _l("Enter how this changed the proposal, or why it did not")


def consultation_item_problems(item: Consultation) -> list[Problem]:
    problems = []
    if _blank(item.who):
        problems.append(Problem(str(CONSULTATION_WHO_MISSING), field="who"))
    if item.held_from is None:
        problems.append(Problem(str(CONSULTATION_START_MISSING), field="held_from"))
    elif item.held_to and item.held_to < item.held_from:
        problems.append(Problem(str(CONSULTATION_END_BEFORE_START), field="held_to"))
    if _blank(item.method):
        problems.append(Problem(str(CONSULTATION_METHOD_MISSING), field="method"))
    if _blank(item.what_they_said):
        problems.append(Problem(str(CONSULTATION_SAID_MISSING), field="what_they_said"))
    if _blank(item.how_it_changed):
        problems.append(Problem(str(CONSULTATION_CHANGE_MISSING), field="how_it_changed"))
    return problems


def consultation_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    if not assessment.consultations and _blank(assessment.no_consultation_reason):
        return [Problem(str(CONSULTATION_MISSING), "consultation", "no_consultation_reason")]
    return []


# ---------------------------------------------------------- each characteristic

def impact_missing(name: str) -> str:
    return _("Select the impact on %(group)s", group=name)


def severity_missing(name: str) -> str:
    return _("Select how severe the negative impact on %(group)s is", group=name)


def judgement_reason_missing(name: str) -> str:
    return _("Explain the reasons for your judgement about %(group)s", group=name)


def evidence_not_cited(name: str) -> str:
    return _("Cite the evidence behind your judgement about %(group)s, or explain why there is none", group=name)


def gathering_action_missing(name: str, impact_unknown: bool = False) -> str:
    if impact_unknown:
        return _("The impact on %(group)s is not yet known: add an action to gather the evidence", group=name)
    return _("There is no evidence about %(group)s: add an action to gather it", group=name)


def mitigation_missing(name: str) -> str:
    return _("Describe how the negative impact on %(group)s will be reduced or removed, or choose "
             "\u201c%(outcome)s\u201d as an outcome and justify it", group=name,
             outcome=OUTCOMES[CONTINUE_DESPITE_ADVERSE])


def aim_not_applicable(name: str, allowed: list[str]) -> str:
    quoted = ""
    for label in allowed:
        said = "\u201c%s\u201d" % label
        quoted = _("%(first)s and %(second)s", first=quoted, second=said) if quoted else said
    return _("The duty covers %(group)s for %(aims)s only", group=name, aims=quoted)


def gathering_action_description(name: str) -> str:
    return f"Gather evidence about the effect on {name}"


def continues_with_justification(assessment: Assessment) -> bool:
    return (any(o.outcome == CONTINUE_DESPITE_ADVERSE for o in assessment.outcomes)
            and not _blank(assessment.outcome_justification))


def impact_problems(assessment: Assessment, impact: CharacteristicImpact,
                    characteristics: CharacteristicSet) -> list[Problem]:
    name, key = stored_name(impact.characteristic_label), impact.characteristic_key
    page = ("characteristics", key)
    negative = characteristics.keys_meaning("impact", "negative")

    def problem(message: str, field: str) -> Problem:
        return Problem(message, page[0], field, args=(("characteristic", page[1]),))

    problems = []
    if not impact.impact:
        problems.append(problem(impact_missing(name), "impact"))
    if impact.impact in negative and not impact.severity:
        problems.append(problem(severity_missing(name), "severity"))
    if _blank(impact.evidence_narrative):
        problems.append(problem(judgement_reason_missing(name), "evidence_narrative"))
    if not impact.evidence and _blank(impact.no_evidence_reason):
        problems.append(problem(evidence_not_cited(name), "evidence"))
    # Bridges v South Wales Police (2020): a body must find out what it does not know, whether it
    # has no evidence at all or its evidence does not yet show the impact.
    impact_unknown = impact.impact in characteristics.keys_meaning("impact", "unknown")
    if (not impact.evidence or impact_unknown) and not any(a.characteristic_key == key for a in assessment.actions):
        problems.append(problem(gathering_action_missing(name, impact_unknown=bool(impact.evidence)), "gather"))
    if impact.impact in negative and _blank(impact.mitigation) and not continues_with_justification(assessment):
        problems.append(problem(mitigation_missing(name), "mitigation"))
    return problems


def characteristics_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    return [p for impact in assessment.impacts for p in impact_problems(assessment, impact, characteristics)]


# ------------------------------------------------------------- intersectional

INTERSECTIONAL_MISSING = _l("Describe any intersectional or cumulative effects, or explain why there are none")


def intersectional_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    if _blank(assessment.intersectional_effects):
        return [Problem(str(INTERSECTIONAL_MISSING), "intersectional", "intersectional_effects")]
    return []


# --------------------------------------------------------------------- outcome

OUTCOME_MISSING = _l("Select at least one outcome")
JUSTIFICATION_MISSING = _l("Justify continuing despite the adverse impact: the legitimate aim, why the means "
                           "are proportionate, and why there is no less harmful way")


def outcomes_contradict(first: str, second: str) -> str:
    return _("\u201c%(first)s\u201d and \u201c%(second)s\u201d contradict each other: choose the one that "
             "applies",
             first=OUTCOMES.get(first, first), second=OUTCOMES.get(second, second))


def outcome_beside_adverse(outcome: str, name: str, severity: str) -> str:
    return _("\u201c%(outcome)s\u201d cannot be the outcome while the impact on %(group)s is negative with "
             "%(severity)s severity: choose another outcome, or change the judgement about %(group)s if it "
             "is wrong", outcome=OUTCOMES.get(outcome, outcome), group=name, severity=str(severity).lower())


def outcome_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    page = "outcome"
    stored = {o.outcome for o in assessment.outcomes}
    chosen = [key for key in OUTCOMES if key in stored] + sorted(stored - set(OUTCOMES))
    if not chosen:
        return [Problem(str(OUTCOME_MISSING), page, "outcomes")]
    problems = [Problem(outcomes_contradict(first, second), page, "outcomes")
                for i, first in enumerate(chosen) for second in chosen[i + 1:]
                if characteristics.outcomes_exclude(first, second)]
    negative = characteristics.keys_meaning("impact", "negative")
    problems += [Problem(outcome_beside_adverse(outcome, stored_name(impact.characteristic_label),
                                                characteristics.label("severity", impact.severity)), page, "outcomes")
                 for outcome in chosen for impact in assessment.impacts
                 if impact.impact in negative and characteristics.outcome_ruled_out_by(outcome, impact.severity)]
    if CONTINUE_DESPITE_ADVERSE in chosen and _blank(assessment.outcome_justification):
        problems.append(Problem(str(JUSTIFICATION_MISSING), page, "outcome_justification"))
    return problems


# ----------------------------------------------------------------- action plan

ACTIONS_MISSING = _l("Add at least one action, including how you will monitor the actual impact")
ACTION_DESCRIPTION_MISSING = _l("Enter the action")
ACTION_STATUS_MISSING = _l("Select the status of the action")
REVIEW_DATE_MISSING = _l("Enter the date the actual impact will be reviewed")
REVIEW_BEFORE_DECISION = _l("The review date must be after the planned decision date")


def action_owner_missing(number: int) -> str:
    return _("Enter who owns action %(number)s", number=number)


def action_due_missing(number: int) -> str:
    return _("Enter the date action %(number)s is due", number=number)


def action_measure_missing(number: int) -> str:
    return _("Enter how you will know action %(number)s has worked", number=number)


def action_item_problems(item: Action) -> list[Problem]:
    """An action can be saved with only its description (the one-click
    evidence-gathering action starts that way); the plan is complete only
    when every action has an owner, a due date and a success measure."""
    problems = []
    if _blank(item.description):
        problems.append(Problem(str(ACTION_DESCRIPTION_MISSING), field="description"))
    if item.status not in ACTION_STATUSES:
        problems.append(Problem(str(ACTION_STATUS_MISSING), field="status"))
    return problems


def action_plan_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    page = "action_plan"
    problems = []
    if not assessment.actions:
        problems.append(Problem(str(ACTIONS_MISSING), page, "add"))
    for number, action in enumerate(assessment.actions, start=1):
        item_page = "action"
        args = (("item_id", action.id),)
        if _blank(action.owner):
            problems.append(Problem(action_owner_missing(number), item_page, "owner", args=args))
        if action.due_date is None:
            problems.append(Problem(action_due_missing(number), item_page, "due_date", args=args))
        if _blank(action.success_measure):
            problems.append(Problem(action_measure_missing(number), item_page, "success_measure", args=args))
    if assessment.review_date is None:
        problems.append(Problem(str(REVIEW_DATE_MISSING), page, "review_date"))
    elif assessment.planned_decision_date and assessment.review_date <= assessment.planned_decision_date:
        problems.append(Problem(str(REVIEW_BEFORE_DECISION), page, "review_date"))
    return problems


# -------------------------------------------------- review of the previous version

REVIEW_PAGE = "actual_impacts"
NEXT_STEP_MISSING = N_("Select what happens next")
NEXT_STEP_REASON_MISSING = _l("Explain why this is what happens next")


def actual_missing(name: str) -> str:
    return _("Select the actual impact on %(group)s, against the impact predicted", group=name)


def actual_evidence_missing(name: str) -> str:
    return _("Enter the evidence of the actual impact on %(group)s", group=name)


def follows_another(assessment: Assessment) -> bool:
    """A review version: it has a version before it whose predictions it looks back on."""
    return assessment.previous_version_id is not None


def review_title(assessment: Assessment) -> str:
    previous = assessment.previous_version
    return (_("Review of version %(number)s", number=previous.version_number) if previous is not None
            else _("Review"))


def review_problems(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
    """Every group the version reviewed assessed has an actual impact and the evidence for it,
    and what happens next is chosen, with its reason. A first version has nothing to review."""
    previous = assessment.previous_version
    if previous is None:
        return []
    seen = {row.characteristic_key: row for row in assessment.review_outcomes}
    problems = []
    for impact in previous.impacts:
        key, row = impact.characteristic_key, seen.get(impact.characteristic_key)
        if row is None or row.actual_impact not in REVIEW_ACTUALS:
            problems.append(Problem(actual_missing(stored_name(impact.characteristic_label)), REVIEW_PAGE,
                                    f"actual_{key}"))
        if row is None or _blank(row.evidence_seen):
            problems.append(Problem(actual_evidence_missing(stored_name(impact.characteristic_label)), REVIEW_PAGE,
                                    f"evidence_{key}"))
    if assessment.review_next_step not in REVIEW_NEXT_STEPS:
        problems.append(Problem(_(NEXT_STEP_MISSING), REVIEW_PAGE, "next_step"))
    if _blank(assessment.review_next_step_reason):
        problems.append(Problem(str(NEXT_STEP_REASON_MISSING), REVIEW_PAGE, "next_step_reason"))
    return problems


# ------------------------------------------------------------------ catalogue

@dataclass(frozen=True)
class Section:
    key: str  # the name a workflow's required_fields uses, and of the page it is changed on
    title: str
    group: str  # the task-list heading it sits under
    check: Callable[[Assessment, CharacteristicSet], list[Problem]]
    per_characteristic: bool = False
    # Whether an assessment has the section at all (the review, only a version that follows another):
    # one it does not apply to is not on the task list, and no transition asks for it.
    applies: Callable[[Assessment], bool] = lambda assessment: True


GROUPS = (_l("Review"), _l("About the activity"), _l("Evidence and engagement"), _l("Impact on each group"),
          _l("Outcome and actions"))

SECTIONS: dict[str, Section] = {s.key: s for s in (
    Section("register_details", _l("Register details"), GROUPS[1], register_details_problems),
    Section("screening", _l("Screening"), GROUPS[1], screening_problems),
    Section("evidence", _l("Evidence"), GROUPS[2], evidence_problems),
    Section("consultation", _l("Consultation and engagement"), GROUPS[2],
            consultation_problems),
    Section("characteristics", _l("Impact on each group"), GROUPS[3],
            characteristics_problems, per_characteristic=True),
    Section("intersectional", _l("Intersectional and cumulative effects"), GROUPS[3],
            intersectional_problems),
    Section("outcome", _l("Outcome"), GROUPS[4], outcome_problems),
    Section("action_plan", _l("Action plan"), GROUPS[4], action_plan_problems),
    Section(REVIEW_PAGE, _l("Review of the previous version"), GROUPS[0], review_problems, applies=follows_another),
)}


CHARACTERISTIC_KEY_PREFIX = "characteristic:"


def completion_key(section: str, characteristic_key: str | None = None) -> str:
    return f"{CHARACTERISTIC_KEY_PREFIX}{characteristic_key}" if characteristic_key else section


def parse_completion_key(key: str) -> tuple[str, str | None]:
    """The section a completion key marks, and its characteristic's key for a per-group task."""
    if key.startswith(CHARACTERISTIC_KEY_PREFIX):
        return "characteristics", key.removeprefix(CHARACTERISTIC_KEY_PREFIX)
    return key, None


def not_marked_complete(title: str) -> str:
    return _("Mark \u201c%(title)s\u201d as completed", title=title)


def section_requirement(section: Section):
    """What a transition needs of a section: its content passes the checks, and
    the author has said it is finished."""

    def check(assessment: Assessment, characteristics: CharacteristicSet) -> list[Problem]:
        if not section.applies(assessment):
            return []
        if section.per_characteristic:
            problems = []
            for impact in assessment.impacts:
                own = impact_problems(assessment, impact, characteristics)
                if not own and not assessment.is_completed(completion_key(section.key, impact.characteristic_key)):
                    own = [Problem(not_marked_complete(stored_name(impact.characteristic_label)), section.key,
                                   "completed", args=(("characteristic", impact.characteristic_key),))]
                problems += own
            return problems
        problems = section.check(assessment, characteristics)
        if not problems and not assessment.is_completed(section.key):
            problems = [Problem(not_marked_complete(title_for(assessment, section.key)), section.key, "completed")]
        return problems

    return check


for _section in SECTIONS.values():
    requirement(_section.key)(section_requirement(_section))

# The record reads an edit's changes in words when it is shown, and names sections and register
# fields as the assessment's pages do.
lend_names(section_title=lambda key: SECTIONS[key].title, register_field=REGISTER_FIELDS.__getitem__,
           challenge_status=CHALLENGE_STATUSES.__getitem__, challenge_response=CHALLENGE_RESPONSES.__getitem__)


def title_for(assessment: Assessment, key: str) -> str:
    if key.startswith("characteristic:"):
        impact = assessment.impact_for(key.split(":", 1)[1])
        return stored_name(impact.characteristic_label) if impact else key
    if key == REVIEW_PAGE:
        return review_title(assessment)
    return SECTIONS[key].title


def problems_for(assessment: Assessment, key: str, characteristics: CharacteristicSet) -> list[Problem]:
    """The content checks for one completion key (a section, or one group)."""
    if key.startswith("characteristic:"):
        impact = assessment.impact_for(key.split(":", 1)[1])
        return impact_problems(assessment, impact, characteristics) if impact else []
    return SECTIONS[key].check(assessment, characteristics)
