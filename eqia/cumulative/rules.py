"""What a cumulative judgement's workflow names (workflows/cumulative/): the check
that a judgement is written enough to challenge or sign, and the effect that
signs it.

A judgement must cover at least one assessment, say something about every group
one of those assessments finds a negative impact on (the combined effect is
what the judgement is for), give an overall conclusion and say what the
council will do. Signing binds the signature to the content record's SHA-256
(eqia.cumulative.record), as an EqIA's sign-off does, and keeps the record signed
so that a later check can say what changed."""

from __future__ import annotations

from flask_babel.speaklater import LazyString
from sqlalchemy import select

from eqia.cumulative.record import content_hash, signed_bytes
from eqia.extensions import db
from eqia.models import CharacteristicImpact, CumulativeJudgement
from eqia.workflow.errors import N_, said
from eqia.workflow.shown import english
from eqia.workflow.hooks import Problem, TransitionContext, effect, requirement

NOTHING_COVERED = N_("The programme has no assessment with judged impacts to judge together")
GROUP_UNJUDGED = N_("Say what the combined effect is on {group}: an assessment finds a negative impact on them")
NO_CONCLUSION = N_("Enter the overall conclusion")
NO_MITIGATIONS = N_("Say what the council will do")


def negative_groups(judgement: CumulativeJudgement) -> dict[str, str]:
    """The groups (key -> name) an assessment the judgement covers finds a negative impact on."""
    ids = [c.assessment_id for c in judgement.covered]
    if not ids:
        return {}
    rows = db.session.execute(select(CharacteristicImpact.characteristic_key, CharacteristicImpact.characteristic_label)
                              .where(CharacteristicImpact.assessment_id.in_(ids),
                                     CharacteristicImpact.impact == "negative")
                              .order_by(CharacteristicImpact.characteristic_key))
    return {key: label for key, label in rows}


@requirement("judgement_written")
def judgement_written(judgement: CumulativeJudgement, extras) -> list[Problem]:
    if not judgement.covered:
        return [Problem(NOTHING_COVERED)]
    problems = []
    for key, name in negative_groups(judgement).items():
        if not judgement.text_for(key).strip():
            problems.append(Problem(LazyString(lambda n=name: said(GROUP_UNJUDGED).format(group=n)),
                                    field=f"group-{key}"))
    if not judgement.conclusion.strip():
        problems.append(Problem(NO_CONCLUSION, field="conclusion"))
    if not judgement.mitigations.strip():
        problems.append(Problem(NO_MITIGATIONS, field="mitigations"))
    return problems


def _signed_hash(ctx: TransitionContext) -> dict:
    # On the transition's own audit event, so the hash chain vouches for what was signed.
    return {"content_sha256": content_hash(ctx.record)}


@effect("sign_cumulative_judgement", details=_signed_hash)
def sign(ctx: TransitionContext) -> None:
    judgement = ctx.record
    data = signed_bytes(judgement)
    judgement.signed_by_id = ctx.user.id
    judgement.signer_name = ctx.user.name
    judgement.signed_role = ctx.role
    judgement.signed_at = ctx.now
    judgement.attestation = english(ctx.transition.attestation)  # recorded in English, shown translated
    judgement.signed_content = data.decode("utf-8")
    judgement.content_hash = content_hash(judgement)
    db.session.flush()
