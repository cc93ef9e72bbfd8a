"""The decision-maker's one-page summary (Bracking 2013: the decision-maker must
actually be told the impacts). What it holds is chosen here, once, for the
sign-off page, the public register and later the PDF."""

from __future__ import annotations

from dataclasses import dataclass

from eqia.models import CONTINUE_DESPITE_ADVERSE, Assessment, ChallengeComment, ChallengeRound, CharacteristicImpact, Consultation
from eqia.loaded_definitions import characteristics
from eqia.services import challenge, signing


@dataclass(frozen=True)
class Summary:
    adverse: list[CharacteristicImpact]  # negative impacts, with severity and mitigation
    unknown: list[CharacteristicImpact]  # impacts not yet known: regard paid without the evidence
    positive: list[CharacteristicImpact]
    not_analysed: list[CharacteristicImpact]  # no impact judged yet: the summary cannot speak for these groups
    consultations: list[Consultation]
    no_consultation_reason: str
    outcomes: list[str]
    justification: str
    continues_despite_adverse: bool  # what the justification justifies: continuing, or the outcomes chosen
    not_accepted: list[tuple[ChallengeRound, ChallengeComment]]
    rounds: int
    signatures: list  # valid signatures on this content so far
    actions: int


def sign_off_summary(assessment: Assessment) -> Summary:
    chars = characteristics()
    negative = chars.keys_meaning("impact", "negative")
    unknown = chars.keys_meaning("impact", "unknown")
    positive = chars.keys_meaning("impact", "positive")
    return Summary(
        adverse=[i for i in assessment.impacts if i.impact in negative],
        unknown=[i for i in assessment.impacts if i.impact in unknown],
        positive=[i for i in assessment.impacts if i.impact in positive],
        not_analysed=[i for i in assessment.impacts if not i.impact],
        consultations=list(assessment.consultations),
        no_consultation_reason=assessment.no_consultation_reason,
        outcomes=[o.outcome for o in assessment.outcomes],
        justification=assessment.outcome_justification,
        continues_despite_adverse=any(o.outcome == CONTINUE_DESPITE_ADVERSE for o in assessment.outcomes),
        not_accepted=challenge.not_accepted(assessment),
        rounds=sum(1 for r in assessment.challenge_rounds if r.decision),
        signatures=signing.valid_signatures(assessment),
        actions=len(assessment.actions),
    )
