"""The shape of an EqIA, said once: its parts, their fields, and for each field
its label, kind, limit, and where it goes.

Everything that reads or writes an assessment's content whole is derived from
this: the signed record (eqia.services.record), the interchange document, its
JSON Schema, the import and `PUT` (eqia.interchange), the review's copy
(eqia.services.versions), the freeze guard (eqia.services.freeze), the forms'
length limits and the register details the pages and the PDF list.
tests/test_shape.py sends a value of every field through each of them.

Two names for one field are kept where both are already out in the world: the
signed record was written with `reasons`, `effects`, `justification`, ... and
every signature covers those bytes; the interchange document and its schema
were published with `evidence_narrative`, `intersectional_effects`, ... A field
says both (`record`, `interchange`); neither is ever renamed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

from flask_babel import lazy_gettext as _l

from eqia.models import (
    ACTION_STATUSES,
    EVIDENCE_KINDS,
    OUTCOMES,
    REVIEW_ACTUALS,
    REVIEW_NEXT_STEPS,
    SCREENING_PROPOSALS,
    Action,
    AssessmentOutcome,
    CharacteristicImpact,
    Consultation,
    EvidenceItem,
    ReviewOutcome,
    ScreeningAnswer,
)

# Length limits: a line of text, and a narrative.
SHORT = 1_000
LONG = 100_000

# Kinds of value.
TEXT = "text"
DATE = "date"
CHOICE = "choice"  # one of `choices`, fixed by the service
SCALE = "scale"  # a key of one of the profile's scales (`scale`), kept as written under another profile
ACTIVITY_KIND = "activity_kind"  # one of the profile's kinds of activity
DIRECTORATE = "directorate"  # by id here, by id in the record, by name in a document
GROUP = "group"  # a characteristic's key
AIMS = "aims"  # the duty's aims said of a group (ImpactAim rows)
CITATIONS = "citations"  # the evidence items a group's analysis cites, by number
OUTCOME_SET = "outcomes"  # some of the outcomes (AssessmentOutcome rows)
ACCOUNT = "account"  # a user account: by id here, by e-mail address in a document, never in the record

SAME = "="  # the record's or the document's key is the field's own


@dataclass(frozen=True)
class Field:
    key: str  # the model's attribute, and the field's name on its page
    label: str  # what the field is called where its value is shown
    kind: str = TEXT
    limit: int | None = None  # characters, for text
    choices: Mapping[str, str] | None = None  # for CHOICE and OUTCOME_SET
    scale: str = ""  # for SCALE: the profile's scale
    description: str = ""  # what the schema says of it, where the kind does not say enough
    required: bool = False  # a document must give it (text not empty, a choice not null)
    record: str | None = SAME  # its key in the signed record (None: not in it)
    interchange: str | None = SAME  # its key in the interchange document (None: not in it)
    page: str | None = SAME  # its name on the page that edits it (ending "_": followed by the group's key)
    copied: bool = True  # a review's new version starts with it
    edited: bool = True  # a page (and so PUT) changes it
    printed: bool = True  # the PDF shows it
    optional: bool = False  # a document may leave it out (added to the published format later)

    def __post_init__(self) -> None:
        if self.record == SAME:
            object.__setattr__(self, "record", self.key)
        if self.interchange == SAME:
            object.__setattr__(self, "interchange", self.key)
        if self.page == SAME:
            object.__setattr__(self, "page", self.key if self.edited else None)


@dataclass(frozen=True)
class Items:
    """Rows a part repeats (evidence, actions, a group's screening answer)."""

    collection: str  # the Assessment relationship
    model: type
    fields: tuple[Field, ...]
    record: str | None = "items"  # the list's key in the part's record (None: the part is the list)
    interchange: str | None = "items"  # and in the document
    numbered: bool = False  # the document numbers the rows (analyses cite evidence by number)
    description: str = ""  # what the schema says of the list
    label: str = _l("Item")  # what one row is called where a change to it is shown ("Item 2: Source")
    per_group: bool = False  # one row per characteristic, made with the assessment (not added on a page)
    # The order the record lists the rows' fields in, where it is not the document's (keys are sorted in the
    # record's bytes; the order shows only in what a lead sees changed in a group added since).
    record_order: tuple[str, ...] = ()

    @property
    def record_fields(self) -> tuple[Field, ...]:
        if not self.record_order:
            return self.fields
        by_key = {f.key: f for f in self.fields}
        return tuple(by_key[key] for key in self.record_order) + tuple(
            f for f in self.fields if f.key not in self.record_order)


@dataclass(frozen=True)
class Part:
    """One section of the assessment (a key of eqia.assessments.sections.SECTIONS)."""

    key: str
    record: str | None  # its key in the signed record's sections (None: one per group)
    interchange: str  # its key in the document ("" for fields at the document's top level)
    members: tuple[Field | Items, ...]  # in the order the document lists them
    per_group: bool = False  # one row of `members`' Items per characteristic

    @property
    def fields(self) -> tuple[Field, ...]:
        """The fields on the assessment's own row."""
        return tuple(m for m in self.members if isinstance(m, Field))

    @property
    def items(self) -> Items | None:
        return next((m for m in self.members if isinstance(m, Items)), None)


REGISTER = Part("register_details", "register_details", "register_details", (
    Field("title", _l("Title"), limit=SHORT, required=True),
    Field("directorate_id", _l("Directorate"), DIRECTORATE, interchange="directorate", limit=200, required=True,
          description="By name: the importing deployment must have a directorate of this name"),
    Field("service", _l("Service"), limit=SHORT),
    Field("lead_officer", _l("Lead officer"), limit=SHORT),
    Field("activity_kind", _l("Kind of activity"), ACTIVITY_KIND),
    Field("aims", _l("Aims of the activity"), limit=LONG),
    Field("people_affected", _l("Who is affected"), limit=LONG),
    Field("decision_maker", _l("Decision-maker"), limit=SHORT),
    Field("decision_forum", _l("Where the decision will be made"), limit=SHORT),
    Field("planned_decision_date", _l("Planned decision date"), DATE),
    Field("due_regard_started_on", _l("Date due regard started"), DATE),
    Field("parent_programme", _l("Parent programme"), limit=SHORT),
))

GROUP_KEY = Field("characteristic_key", _l("Group"), GROUP, record="characteristic", interchange="characteristic",
                  required=True, description="The characteristic's key in the set it was written under",
                  edited=False, printed=False)
GROUP_LABEL = Field("characteristic_label", _l("Group"), limit=SHORT, record="label", interchange="label",
                    required=True, description="Its name in that set", edited=False)

SCREENING = Part("screening", "screening", "screening", (
    Field("screening_relevance", _l("Relevance"), SCALE, scale="relevance", record="relevance",
          interchange="relevance", page="relevance", description="A key of the relevance scale"),
    Field("screening_conclusion", _l("Conclusion"), limit=LONG, record="conclusion", interchange="conclusion",
          page="conclusion"),
    Field("screening_proposal", _l("Proposal"), CHOICE, choices=SCREENING_PROPOSALS, record="proposal",
          interchange="proposal", page="proposal"),
    Items("screening_answers", ScreeningAnswer, (
        GROUP_KEY, GROUP_LABEL,
        Field("affects", _l("Could it affect them differently"), SCALE, scale="screening_answer", page="answer_",
              description="A key of the screening answer scale"),
        Field("reason", _l("Reason"), limit=LONG, page="reason_"),
        Field("advances_equality", _l("Could it advance equality"), SCALE, scale="advances_answer", page="advances_",
              description="A key of the screening answer scale"),
        # Kept from the first version's form; no page asks it now, so no edit may change it.
        Field("advances_reason", _l("Reason (advancing)"), limit=LONG, edited=False),
    ), record="answers", interchange="answers", label=_l("Group"), per_group=True, description="One per characteristic, in order"),
))

EVIDENCE = Part("evidence", "evidence", "evidence", (
    Items("evidence_items", EvidenceItem, (
        Field("kind", _l("Kind"), CHOICE, choices=EVIDENCE_KINDS, required=True),
        Field("source", _l("Source"), limit=SHORT),
        Field("dated", _l("Date"), DATE),
        Field("summary", _l("What it shows"), limit=LONG),
        Field("link", _l("Link"), limit=SHORT),
    ), interchange=None, numbered=True),
))

CONSULTATION = Part("consultation", "consultation", "consultation", (
    Items("consultations", Consultation, (
        Field("who", _l("Who"), limit=LONG),
        Field("held_from", _l("From"), DATE),
        Field("held_to", _l("To"), DATE),
        Field("method", _l("How"), limit=SHORT),
        Field("what_they_said", _l("What they said"), limit=LONG),
        Field("how_it_changed", _l("How it changed the proposal"), limit=LONG),
    )),
    Field("no_consultation_reason", _l("Why there was no consultation"), limit=LONG),
))

CHARACTERISTICS = Part("characteristics", None, "characteristics", (
    Items("impacts", CharacteristicImpact, (
        # The record names the group by its task's key ("characteristic:age"), not inside.
        Field("characteristic_key", _l("Group"), GROUP, record=None, interchange="characteristic", required=True,
              description="The characteristic's key in the set it was written under", edited=False,
              printed=False),
        GROUP_LABEL,
        Field("impact", _l("Impact"), SCALE, scale="impact", description="A key of the impact scale"),
        Field("severity", _l("Severity"), SCALE, scale="severity", description="A key of the severity scale"),
        Field("aims", _l("Aims of the duty"), AIMS, page="aims_relevant"),
        Field("evidence_narrative", _l("Reasons"), limit=LONG, record="reasons"),
        Field("no_evidence_reason", _l("Why there is no evidence"), limit=LONG),
        Field("mitigation", _l("Mitigation"), limit=LONG),
        Field("evidence", _l("Evidence cited"), CITATIONS, record="evidence_cited", interchange="evidence_cited",
              description="Numbers of evidence items"),
    ), record=None, interchange=None, per_group=True,
        # The record has always listed what a group's analysis cites after its reasons.
        record_order=("characteristic_label", "impact", "severity", "aims", "evidence_narrative", "evidence",
                      "no_evidence_reason", "mitigation"),
        description="The analysis for each characteristic, in order: the same characteristics as the screening "
                    "answers. Both empty: this deployment's set"),
), per_group=True)

INTERSECTIONAL = Part("intersectional", "intersectional", "", (
    # Its part is titled "Intersectional and cumulative effects"; within it, the field is the effects.
    Field("intersectional_effects", _l("Effects"), limit=LONG, record="effects"),
))

OUTCOME = Part("outcome", "outcome", "outcome", (
    Field("outcomes", _l("Outcomes"), OUTCOME_SET, choices=OUTCOMES),
    Field("outcome_justification", _l("Justification"), limit=LONG, record="justification",
          interchange="justification"),
))

ACTION_PLAN = Part("action_plan", "action_plan", "action_plan", (
    Items("actions", Action, (
        Field("description", _l("Action"), limit=LONG),
        Field("owner", _l("Owner"), limit=SHORT),
        # Who the owner is, when they have an account here. The record keeps the owner's name (above) and never
        # the account: an account id means nothing outside this system, and the signed bytes stay as they were.
        Field("owner_user_id", _l("Owner's account"), ACCOUNT, record=None, interchange="owner_email", optional=True,
              description="The owner's e-mail address, when the owner had an account in the exporting system; "
                          "an import links the action to the account with that address, if there is an active "
                          "one, and otherwise keeps only the owner's name", printed=False),
        Field("due_date", _l("Due date"), DATE),
        Field("success_measure", _l("Success measure"), limit=LONG),
        Field("status", _l("Status"), CHOICE, choices=ACTION_STATUSES, required=True),
        # Set by a group's "add an action to gather evidence"; no page changes it, and the PDF does not show it.
        Field("characteristic_key", _l("Group"), GROUP, record="characteristic", interchange="characteristic",
              edited=False, printed=False),
    )),
    Field("review_date", _l("Review date"), DATE),
))

PARTS: tuple[Part, ...] = (REGISTER, SCREENING, EVIDENCE, CONSULTATION, CHARACTERISTICS, INTERSECTIONAL, OUTCOME,
                           ACTION_PLAN)

# At review (version n+1), what version n predicted for each group against what was seen, and what happens
# next. The prediction is read from version n, never copied, so only the actual is here. It is a part of its
# own, apart from PARTS, because it exists only on a version that follows another and only once something is
# recorded: every record, document and schema made before it (and every signature over them) stays the same
# bytes, and a first version never has it (`review_recorded`).
REVIEW = Part("actual_impacts", "review", "review", (
    Items("review_outcomes", ReviewOutcome, (
        Field("characteristic_key", _l("Group"), GROUP, record="characteristic", interchange="characteristic",
              required=True, description="The characteristic's key, as the version reviewed names it",
              edited=False, printed=False),
        GROUP_LABEL,
        Field("actual_impact", _l("Actual impact"), CHOICE, choices=REVIEW_ACTUALS, record="actual", page="actual_"),
        Field("evidence_seen", _l("Evidence"), limit=LONG, record="evidence", interchange="evidence", page="evidence_"),
    ), record="groups", interchange="groups", label=_l("Group"), per_group=True,
        description="One per group the version reviewed assessed: the impact seen against the one predicted"),
    Field("review_next_step", _l("What happens next"), CHOICE, choices=REVIEW_NEXT_STEPS, record="next_step",
          interchange="next_step", page="next_step"),
    Field("review_next_step_reason", _l("Reason"), limit=LONG, record="next_step_reason",
          interchange="next_step_reason", page="next_step_reason"),
), per_group=False)
REVIEW_PARTS: tuple[Part, ...] = (REVIEW,)

PART = {p.key: p for p in (*PARTS, *REVIEW_PARTS)}


def review_recorded(assessment) -> bool:
    """Whether a version says anything of the review of the version it follows."""
    return bool(assessment.review_outcomes or assessment.review_next_step
                or (assessment.review_next_step_reason or "").strip())

# Not content, yet a review's new version keeps them: who may see it, and the profile its groups were read under.
COPIED_BESIDES_CONTENT = ("restricted", "profile_key", "profile_version")
def assessment_fields() -> Iterator[tuple[Part, Field]]:
    """The fields on the assessment's own row, with their part."""
    return ((p, f) for p in PARTS for f in p.fields)


def every_field() -> Iterator[tuple[Part, Items | None, Field]]:
    """Every field, on the assessment or on a repeated row."""
    for p in PARTS:
        for m in p.members:
            if isinstance(m, Items):
                yield from ((p, m, f) for f in m.fields)
            else:
                yield p, None, m


# The document's keys that hold content: a part's key, or its fields' where they sit at the top level.
DOCUMENT_KEYS: tuple[str, ...] = tuple(key for part in PARTS for key in (
    [part.interchange] if part.interchange else [f.interchange for f in part.fields]))


def field(part: str, name: str) -> Field:
    """A part's field by its key, or else by its name on its page ("conclusion")."""
    fields = [f for p, _, f in every_field() if p.key == part] or [
        f for p in REVIEW_PARTS if p.key == part for m in p.members
        for f in (m.fields if isinstance(m, Items) else (m,))]
    found = next((f for f in fields if f.key == name), None) or next((f for f in fields if f.page == name), None)
    if found is None:
        raise KeyError(f"{part} has no field {name!r}")
    return found


def dates(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(f.key for f in fields if f.kind == DATE)


# The register details a user enters, with the label each is shown under.
REGISTER_FIELDS: dict[str, str] = {f.key: f.label for f in REGISTER.fields}
# The columns of the assessment a review copies into its new version.
REVIEW_COPY: tuple[str, ...] = (*(f.key for _, f in assessment_fields() if f.copied and f.kind != OUTCOME_SET),
                                *COPIED_BESIDES_CONTENT)
# The assessment's collections of content rows (a part's rows; the outcomes chosen), and their rows' models:
# what the freeze guard watches besides the assessment's own columns.
CONTENT_COLLECTIONS: tuple[str, ...] = (*(p.items.collection for p in (*PARTS, *REVIEW_PARTS) if p.items),
                                        *(f.key for _, f in assessment_fields() if f.kind == OUTCOME_SET))
CONTENT_ROW_MODELS: tuple[type, ...] = (*(p.items.model for p in (*PARTS, *REVIEW_PARTS) if p.items),
                                        AssessmentOutcome)
