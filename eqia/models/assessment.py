"""The assessment itself and its register details.

One row is one *version* of an EqIA. A review never edits a signed version: it
creates a new row with `version_number + 1` and `previous_version_id` pointing
back, sharing the human reference.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from eqia.extensions import db
from eqia.models.people import Directorate, User
from eqia.models.types import UTCDateTime, utcnow
from eqia.workflow.shown import Shown

# The labels below are `Shown`: their English is what the record, the API and the documents use;
# pages, e-mails and PDFs show them in the reader's language (eqia/workflow/shown.py).

# What the author proposes at the end of screening.
SCREENING_PROPOSALS: dict[str, str] = {
    "full": Shown("A full assessment is needed"),
    "screen_out": Shown("No full assessment is needed (propose a screen-out)"),
}

EVIDENCE_KINDS: dict[str, str] = {
    "data": Shown("Data"),
    "research": Shown("Research"),
    "complaints": Shown("Complaints"),
    "monitoring": Shown("Monitoring"),
    "consultation": Shown("Consultation"),
    "other": Shown("Other"),
}

# The four outcomes (DOMAIN.md, step 3). "continue" needs a justification.
OUTCOMES: dict[str, str] = {
    "no_major_change": Shown("No major change needed"),
    "adjust": Shown("Adjust the activity"),
    "continue": Shown("Continue despite adverse impact"),
    "stop": Shown("Stop and remove the activity"),
}
CONTINUE_DESPITE_ADVERSE = "continue"

# A lead's view of one task in a challenge round (DOMAIN.md, step 4).
TO_CORRECT = "to_correct"
CHALLENGE_STATUSES: dict[str, str] = {
    TO_CORRECT: Shown("To correct"),
    "could_be_improved": Shown("Could be improved"),
    "acceptable": Shown("Acceptable"),
}
# The comment a round was returned with is a point too, kept under this key.
OVERALL = "overall"
# Statuses the author must answer: accept (saying what changed) or not (saying why).
POINT_STATUSES = frozenset({TO_CORRECT, "could_be_improved", OVERALL})
ACCEPTED = "accepted"
CHALLENGE_RESPONSES: dict[str, str] = {
    ACCEPTED: Shown("Accepted"),
    "not_accepted": Shown("Not accepted"),
}

ACTION_STATUSES: dict[str, str] = {
    "not_started": Shown("Not started"),
    "in_progress": Shown("In progress"),
    "done": Shown("Done"),
}
# After sign-off, progress on an action is recorded beside the frozen plan (ActionUpdate).
# "dropped" needs a reason; "done" and "dropped" close the action: no update follows them.
ACTION_DROPPED = "dropped"
ACTION_PROGRESS_STATUSES: dict[str, str] = {**ACTION_STATUSES, ACTION_DROPPED: Shown("Dropped")}
ACTION_CLOSED = frozenset({"done", ACTION_DROPPED})
# An update's limits: the progress page, the API and the interchange schema hold them.
ACTION_NOTE_MAX, ACTION_EVIDENCE_MAX = 10_000, 2_000

# At review (DOMAIN.md, step 7): for each group version n assessed, the impact actually seen,
# said against the one version n predicted (ReviewOutcome rows); then what happens next.
REVIEW_ACTUALS: dict[str, str] = {
    "as_predicted": Shown("As predicted"),
    "better_than_predicted": Shown("Better than predicted"),
    "worse_than_predicted": Shown("Worse than predicted"),
    "not_yet_known": Shown("Not yet known"),
}
REVIEW_NEXT_STEPS: dict[str, str] = {
    "no_change": Shown("No change: the activity continues as it is"),
    "new_version": Shown("Change the activity and assess it again in a new version"),
    "stop": Shown("Stop the activity"),
}

class Assessment(db.Model):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("reference", "version_number", name="uq_assessment_reference_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), index=True)
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), unique=True)

    # Register details
    title: Mapped[str] = mapped_column(Text)
    directorate_id: Mapped[int] = mapped_column(ForeignKey("directorate.id"))
    service: Mapped[str] = mapped_column(Text, default="")
    lead_officer: Mapped[str] = mapped_column(Text, default="")
    activity_kind: Mapped[str | None] = mapped_column(String(40))
    aims: Mapped[str] = mapped_column(Text, default="")
    people_affected: Mapped[str] = mapped_column(Text, default="")
    decision_maker: Mapped[str] = mapped_column(Text, default="")
    decision_forum: Mapped[str] = mapped_column(Text, default="")
    planned_decision_date: Mapped[date | None] = mapped_column(Date, index=True)
    due_regard_started_on: Mapped[date | None] = mapped_column(Date)
    parent_programme: Mapped[str] = mapped_column(Text, default="")

    # Screening conclusions (answers per characteristic are ScreeningAnswer rows)
    screening_relevance: Mapped[str | None] = mapped_column(String(40))
    screening_conclusion: Mapped[str] = mapped_column(Text, default="")
    screening_proposal: Mapped[str | None] = mapped_column(String(40))  # a key of SCREENING_PROPOSALS

    # Full assessment narratives (per-characteristic analysis is CharacteristicImpact rows)
    no_consultation_reason: Mapped[str] = mapped_column(Text, default="")
    intersectional_effects: Mapped[str] = mapped_column(Text, default="")
    outcome_justification: Mapped[str] = mapped_column(Text, default="")
    review_date: Mapped[date | None] = mapped_column(Date, index=True)
    # A review version's conclusion on the version it follows (the groups' part is ReviewOutcome rows).
    # Loaded when first read, not with the row: code that reads an assessment at an earlier revision of
    # the schema (a migration's own data steps and their tests) never asks for columns added after it.
    review_next_step: Mapped[str | None] = mapped_column(String(40), deferred=True,
                                                         deferred_group="review")  # a key of REVIEW_NEXT_STEPS
    review_next_step_reason: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True,
                                                         deferred_group="review")

    # The jurisdiction profile it was made under (eqia.characteristics): its groups,
    # aims and scales, and the duty it pays regard to.
    profile_key: Mapped[str] = mapped_column(String(60), default="", server_default="")
    profile_version: Mapped[int | None] = mapped_column(Integer)

    # Workflow
    workflow_name: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(40), index=True)
    # Optimistic locking: every write bumps it; a write carrying a stale value is refused.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When this version reached the public register (kept if it is later withdrawn or superseded).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A version restored from another system: the ids its content record named there,
    # {"directorates": {local: theirs}, "users": {local: theirs}} as JSON, so the record
    # and so its signatures read the same here ("" for a version made here).
    restored_identity: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Provenance: the published document an imported assessment was taken from (blank
    # for one written here). Not content: no signature covers it, and no page edits it.
    provenance_title: Mapped[str] = mapped_column(Text, default="", server_default="")
    provenance_organisation: Mapped[str] = mapped_column(Text, default="", server_default="")
    provenance_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    provenance_published_on: Mapped[date | None] = mapped_column(Date)

    directorate: Mapped[Directorate] = relationship()
    created_by: Mapped[User] = relationship()
    previous_version: Mapped[Assessment | None] = relationship(
        remote_side="Assessment.id", back_populates="next_version", foreign_keys=[previous_version_id]
    )
    next_version: Mapped[Assessment | None] = relationship(back_populates="previous_version", uselist=False)
    viewers: Mapped[list[AssessmentViewer]] = relationship(cascade="all, delete-orphan")
    screening_answers: Mapped[list[ScreeningAnswer]] = relationship(
        cascade="all, delete-orphan", order_by="ScreeningAnswer.position"
    )
    impacts: Mapped[list[CharacteristicImpact]] = relationship(
        cascade="all, delete-orphan", order_by="CharacteristicImpact.position"
    )
    evidence_items: Mapped[list[EvidenceItem]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceItem.position"
    )
    consultations: Mapped[list[Consultation]] = relationship(
        cascade="all, delete-orphan", order_by="Consultation.position"
    )
    outcomes: Mapped[list[AssessmentOutcome]] = relationship(cascade="all, delete-orphan",
                                                             order_by="AssessmentOutcome.id")
    actions: Mapped[list[Action]] = relationship(cascade="all, delete-orphan", order_by="Action.position")
    review_outcomes: Mapped[list[ReviewOutcome]] = relationship(cascade="all, delete-orphan",
                                                                order_by="ReviewOutcome.position")
    challenge_rounds: Mapped[list[ChallengeRound]] = relationship(
        cascade="all, delete-orphan", order_by="ChallengeRound.number"
    )
    sign_offs: Mapped[list[SignOff]] = relationship(cascade="all, delete-orphan",
                                                    order_by="[SignOff.signed_at, SignOff.id]")
    completions: Mapped[list[SectionCompletion]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def has_provenance(self) -> bool:
        return bool(self.provenance_title or self.provenance_organisation or self.provenance_url
                    or self.provenance_published_on)

    @property
    def display_reference(self) -> str:
        return f"{self.reference} v{self.version_number}"

    def __repr__(self) -> str:
        return f"<Assessment {self.display_reference} {self.state}>"

    def is_completed(self, section_key: str) -> bool:
        return any(c.section_key == section_key for c in self.completions)

    def impact_for(self, characteristic_key: str) -> CharacteristicImpact | None:
        return next((i for i in self.impacts if i.characteristic_key == characteristic_key), None)


class AssessmentViewer(db.Model):
    """Named people who may see a restricted assessment."""

    __tablename__ = "assessment_viewer"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    user: Mapped[User] = relationship()


class ReferenceCounter(db.Model):
    """The last reference number issued in a year, locked while the next is taken."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# Content tables. One row per characteristic per assessment, keyed by the
# characteristic's configured key with its label kept beside it, so reports can
# query them and an assessment keeps its meaning if the configured set changes.

class PerCharacteristic:
    """The columns every one-row-per-characteristic table shares."""

    id: Mapped[int] = mapped_column(primary_key=True)
    characteristic_key: Mapped[str] = mapped_column(String(60))
    characteristic_label: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @declared_attr
    def assessment_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("assessment_id", "characteristic_key"),)


class ScreeningAnswer(PerCharacteristic, db.Model):
    __tablename__ = "screening_answer"

    affects: Mapped[str | None] = mapped_column(String(40))  # a key of the screening answer scale
    reason: Mapped[str] = mapped_column(Text, default="")
    advances_equality: Mapped[str | None] = mapped_column(String(40))
    advances_reason: Mapped[str] = mapped_column(Text, default="")


impact_evidence = db.Table(
    "impact_evidence",
    db.Column("impact_id", db.ForeignKey("characteristic_impact.id", ondelete="CASCADE"), primary_key=True),
    db.Column("evidence_id", db.ForeignKey("evidence_item.id", ondelete="CASCADE"), primary_key=True),
)


class CharacteristicImpact(PerCharacteristic, db.Model):
    __tablename__ = "characteristic_impact"

    impact: Mapped[str | None] = mapped_column(String(40))  # a key of the impact scale
    severity: Mapped[str | None] = mapped_column(String(40))
    evidence_narrative: Mapped[str] = mapped_column(Text, default="")
    no_evidence_reason: Mapped[str] = mapped_column(Text, default="")
    mitigation: Mapped[str] = mapped_column(Text, default="")

    evidence: Mapped[list[EvidenceItem]] = relationship(secondary=impact_evidence, order_by="EvidenceItem.position")
    # What the author said of each of the duty's aims that applies to the group.
    aim_answers: Mapped[list[ImpactAim]] = relationship(cascade="all, delete-orphan", order_by="ImpactAim.aim_key",
                                                        passive_deletes=True)

    @property
    def aims(self) -> dict[str, bool]:
        """Each aim said of, by key: relevant or not. An aim not here is not yet said."""
        return {answer.aim_key: answer.relevant for answer in self.aim_answers}

    @property
    def relevant_aims(self) -> list[str]:
        """The keys of the aims judged relevant, in the order of their keys: the
        order the signed record lists them in ("a", "b", "c" as it always has)."""
        return sorted(key for key, relevant in self.aims.items() if relevant)

    def aim(self, key: str) -> bool | None:
        return self.aims.get(key)

    def set_aims(self, wanted: dict[str, bool | None]) -> None:
        """Relevant, not relevant, or (None) not said, for each key given; others are left as they are."""
        by_key = {answer.aim_key: answer for answer in self.aim_answers}
        for key, relevant in wanted.items():
            if relevant is None:
                if key in by_key:
                    self.aim_answers.remove(by_key[key])
            elif key in by_key:
                by_key[key].relevant = relevant
            else:
                self.aim_answers.append(ImpactAim(aim_key=key, relevant=relevant))

    # The general duty's three aims (section 149(1)(a)-(c)) by the names their columns had.
    @property
    def aim_eliminate_discrimination(self) -> bool | None:
        return self.aim("a")

    @property
    def aim_advance_equality(self) -> bool | None:
        return self.aim("b")

    @property
    def aim_foster_good_relations(self) -> bool | None:
        return self.aim("c")


class ReviewOutcome(PerCharacteristic, db.Model):
    """At review, one group of the version reviewed: the impact seen against the one it
    predicted (read from that version, never copied), and the evidence for it."""

    __tablename__ = "review_outcome"

    actual_impact: Mapped[str | None] = mapped_column(String(40))  # a key of REVIEW_ACTUALS
    evidence_seen: Mapped[str] = mapped_column(Text, default="")


class ImpactAim(db.Model):
    """One of the duty's aims, said of one group's analysis: relevant or not
    (no row: not yet said). The aims are the profile's, as many as it has."""

    __tablename__ = "impact_aim"
    __table_args__ = (UniqueConstraint("impact_id", "aim_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    impact_id: Mapped[int] = mapped_column(ForeignKey("characteristic_impact.id", ondelete="CASCADE"), index=True)
    aim_key: Mapped[str] = mapped_column(String(40))
    relevant: Mapped[bool] = mapped_column(Boolean)


class EvidenceItem(db.Model):
    __tablename__ = "evidence_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text, default="")
    dated: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text, default="")


class Consultation(db.Model):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    who: Mapped[str] = mapped_column(Text, default="")
    held_from: Mapped[date | None] = mapped_column(Date)
    held_to: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str] = mapped_column(Text, default="")
    what_they_said: Mapped[str] = mapped_column(Text, default="")
    how_it_changed: Mapped[str] = mapped_column(Text, default="")


class AssessmentOutcome(db.Model):
    """One of the four outcomes; an assessment may reach more than one."""

    __tablename__ = "assessment_outcome"
    __table_args__ = (UniqueConstraint("assessment_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))


class Action(db.Model):
    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    success_measure: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(40), default="not_started")
    characteristic_key: Mapped[str | None] = mapped_column(String(60))
    # The owner's account, when the owner has one: they see the action in "My actions" and may record its
    # progress. `owner` stays the name the plan (and the signed record) shows; an officer or a body without
    # an account is that text alone.
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)

    owner_account: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])


class ActionUpdate(db.Model):
    """Progress on an action of a signed version, recorded beside its plan: append-only.
    The plan (Action) is what was promised and is signed; these rows are not part of the
    signed content, so adding one never changes the version's content hash."""

    __tablename__ = "action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    dated: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined")


class ChallengeRound(db.Model):
    __tablename__ = "challenge_round"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    challenger_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(40))
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    # The content record (eqia.services.record) as submitted for this round, as JSON.
    content_snapshot: Mapped[str] = mapped_column(Text, default="")

    challenger: Mapped[User | None] = relationship()
    comments: Mapped[list[ChallengeComment]] = relationship(cascade="all, delete-orphan",
                                                            order_by="ChallengeComment.id")


class ChallengeComment(db.Model):
    """One point of a challenge round: the lead's status and comment on one task
    (a completion key, such as "evidence" or "characteristic:age"; "overall" for
    the comment a round was returned with), and the author's answer to it."""

    __tablename__ = "challenge_comment"
    __table_args__ = (UniqueConstraint("round_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("challenge_round.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(40))  # a key of CHALLENGE_STATUSES
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(String(40))  # a key of CHALLENGE_RESPONSES
    response_text: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])

    @property
    def needs_answer(self) -> bool:
        return self.status in POINT_STATUSES


class SignOff(db.Model):
    __tablename__ = "sign_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(40))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version_number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    attestation: Mapped[str] = mapped_column(Text)
    # The canonical content the hash covers, so a failed check can say what changed.
    signed_content: Mapped[str] = mapped_column(Text, default="")
    signer_name: Mapped[str] = mapped_column(Text, default="")

    signer: Mapped[User] = relationship()


class SectionCompletion(db.Model):
    """The author's "I have completed this section", given only after the
    section passed its full validation. Any later draft save removes it."""

    __tablename__ = "section_completion"
    __table_args__ = (UniqueConstraint("assessment_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(100))
    completed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssessmentDocument(db.Model):
    """A rendered PDF of one version. The signed one is rendered once, at
    sign-off, and served byte for byte ever after; drafts are cached by the
    fingerprint of everything they show, so an unchanged draft is not
    rendered twice."""

    __tablename__ = "assessment_document"
    __table_args__ = (UniqueConstraint("assessment_id", "kind", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "signed" or "draft"
    # For a draft: what it was rendered from (content hash, state, last audit event).
    fingerprint: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))  # of the bytes themselves
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DraftRender(db.Model):
    """Where the background render of one assessment's draft PDF stands, in the
    database so that every web process and every worker sees it (the task queue
    runs the render: eqia.tasks.render). One row per assessment, reused: queued
    by a browser save's commit, running once a worker has claimed it, then done,
    failed or dropped (the queue's bound let a newer save's render go first)."""

    __tablename__ = "draft_render"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    # Bumped each time a render is queued: a worker finishes only the request it claimed.
    requests: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The newest audit event of the assessment when the render was claimed: the content it shows.
    last_event: Mapped[int | None] = mapped_column(Integer)
    renders: Mapped[int] = mapped_column(Integer, default=0)  # drafts the background rendered and kept
