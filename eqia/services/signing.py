"""Signatures bound to the exact content signed, and the checks that they still hold.

At sign-off the content record (`eqia.services.record`) is serialised, hashed
and stored with the signature. A signature counts towards a transition's
`signatures` only while the content still hashes to what was signed, so a
signature given before the assessment was sent back for more work never counts
for the changed version. Once the version is signed it is frozen
(`eqia.services.freeze`), and `verify` recomputes the hash at any time: a change
made behind the service's back, in SQL, shows as a mismatch.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eqia.audit_words import CONTENT_NOTE_PREFIX, SIGNATURE
from eqia.extensions import db
from eqia.models import Assessment, SignOff
from eqia.loaded_definitions import profile_for
from eqia.services.exported_trail import restored_trail_problems
from eqia.services.record import canonical, changes_between, content_hash, content_record, digest
from eqia.workflow.definition import Transition
from eqia.workflow.hooks import TransitionContext


def valid_signatures(assessment: Assessment, current_hash: str | None = None) -> list[SignOff]:
    """The signatures given on the content as it is now."""
    current_hash = current_hash or content_hash(assessment)
    return [s for s in assessment.sign_offs if s.content_hash == current_hash]


# How the hash a signature vouches for reads on the trail (eqia.audit_words).
NOTE_PREFIX = CONTENT_NOTE_PREFIX


def audit_details(assessment: Assessment) -> dict:
    """Recorded on the sign-off's audit event (kind SIGNATURE): the hash chain then
    vouches for what was signed, so a signature row forged or rewritten in SQL is caught."""
    return {"content_sha256": content_hash(assessment)}


def attestation(assessment: Assessment, transition: Transition) -> str:
    """The words a signatory confirms, naming what the law of the assessment's
    own jurisdiction profile asks them to pay regard to."""
    return transition.attestation_for(profile_for(assessment).duty.regard_text)


def record_signature(ctx: TransitionContext) -> SignOff:
    data = canonical(content_record(ctx.assessment))
    signature = SignOff(
        signer_id=ctx.user.id, signer_name=ctx.user.name, role=ctx.role, signed_at=ctx.now,
        version_number=ctx.assessment.version_number, content_hash=digest(data),
        attestation=attestation(ctx.assessment, ctx.transition), signed_content=data.decode("utf-8"),
    )
    ctx.assessment.sign_offs.append(signature)
    return signature


def is_signed(assessment: Assessment) -> bool:
    """Signed and final: the state is frozen and someone signed this version."""
    from eqia.loaded_definitions import definition_for

    return bool(assessment.sign_offs) and definition_for(assessment).is_frozen(assessment.state)


@dataclass
class SignatureCheck:
    assessment: Assessment
    current_hash: str
    problems: list[str] = field(default_factory=list)
    changed_tasks: list[str] = field(default_factory=list)  # completion keys: each names a task
    changed_parts: list[str] = field(default_factory=list)  # "challenge" (the ledger), "reference", "version"

    @property
    def ok(self) -> bool:
        return not self.problems


# The problems `verify` finds, in the language of the moment: the page's reader's, or English for
# the command line.
def signed_hash_mismatch(reference: str, signed: str, now: str) -> str:
    return _("%(reference)s: the content no longer matches what was signed (signed %(signed)s…, now %(now)s…)",
             reference=reference, signed=signed[:12], now=now[:12])


def stored_record_altered(reference: str, signer: str) -> str:
    return _("%(reference)s: the stored record of what %(signer)s signed does not match its own hash",
             reference=reference, signer=signer)


def changed_tasks(signed: dict, now: dict) -> list[str]:
    """The tasks whose content differs between two content records, by
    completion key ("evidence", "characteristic:age")."""
    return list(changes_between(signed.get("sections", {}), now["sections"]))


def changed_parts(signed: dict, now: dict) -> list[str]:
    """The parts of the record outside the tasks that differ: "challenge" (the
    challenge ledger), "reference", "version"."""
    return [key for key in now if key not in ("sections", "format") and signed.get(key) != now[key]]


def signature_not_on_trail(reference: str, signer: str) -> str:
    return _("%(reference)s: the signature of %(signer)s is not on the audit trail with the hash it claims",
             reference=reference, signer=signer)


def sign_off_missing(reference: str, signer: str) -> str:
    return _("%(reference)s: the audit trail records a signature by %(signer)s, but its sign-off row is missing: "
             "it was deleted outside the service", reference=reference, signer=signer)


def state_not_on_trail(reference: str, state: str, recorded: str) -> str:
    return _("%(reference)s: its state is %(state)s, but the audit trail last moved it to %(recorded)s: "
             "it was changed outside the service", reference=reference, state=repr(state), recorded=repr(recorded))


def unnamed_signer(signer_id: int | None) -> str:
    return _("user %(id)s", id=signer_id)


def local_signatures(assessment: Assessment) -> set[tuple[int, str]]:
    """(signer's id, content hash) of each signature this system's trail records for the version."""
    from eqia.models import AuditEvent

    events = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.details).where(AuditEvent.assessment_id == assessment.id,
                                                              AuditEvent.kind == SIGNATURE)
    ).all()
    return {(actor_id, details["content_sha256"]) for actor_id, details in events}


def _signer_on_the_trail(assessment: Assessment, signer_id: int | None) -> str:
    from eqia.models import AuditEvent, User

    name = db.session.execute(select(AuditEvent.actor_name).where(
        AuditEvent.assessment_id == assessment.id, AuditEvent.actor_id == signer_id,
        AuditEvent.kind == SIGNATURE).limit(1)).scalar_one_or_none()
    if name is None and signer_id is not None:
        user = db.session.get(User, signer_id)
        name = user.name if user is not None else None
    return name or unnamed_signer(signer_id)


def missing_sign_offs(assessment: Assessment) -> list[str]:
    """Each signature the trail records for the version with no sign-off row to
    match it. A row by the same signer with another hash was rewritten, not
    deleted: `verify` reports that one as not on the trail."""
    rows = {(s.signer_id, s.content_hash) for s in assessment.sign_offs}
    on_trail = _hashes_on_the_trail(assessment)
    rewritten = Counter(signer_id for signer_id, h in rows if (signer_id, h) not in on_trail)
    ref, missing = assessment.display_reference, []
    for signer_id, h in sorted(on_trail - rows, key=lambda pair: (pair[0] or 0, pair[1])):
        if rewritten[signer_id]:
            rewritten[signer_id] -= 1
        else:
            missing.append(sign_off_missing(ref, _signer_on_the_trail(assessment, signer_id)))
    return missing


def versions_signed_on_the_trail() -> list[Assessment]:
    """Every version the audit trail (this system's, or a restored one) records a signature for,
    or that has a sign-off row."""
    from eqia.models import AuditEvent, RestoredAuditEvent

    return db.session.execute(
        select(Assessment).where(Assessment.id.in_(select(SignOff.assessment_id))
                                 | Assessment.id.in_(select(AuditEvent.assessment_id)
                                                     .where(AuditEvent.kind == SIGNATURE))
                                 | Assessment.id.in_(select(RestoredAuditEvent.assessment_id)
                                                     .where(RestoredAuditEvent.kind == SIGNATURE)))
        .options(selectinload(Assessment.sign_offs)).order_by(Assessment.id)
    ).scalars().all()


def _hashes_on_the_trail(assessment: Assessment) -> set[tuple[int, str]]:
    # A restored version's signatures are on the trail it was restored with, by the signer's id there.
    from eqia.models import RestoredAuditEvent
    from eqia.services.record import identity

    here = {theirs: ours for ours, theirs in identity(assessment)["users"].items()}
    restored = db.session.execute(
        select(RestoredAuditEvent.source_actor_id, RestoredAuditEvent.details)
        .where(RestoredAuditEvent.assessment_id == assessment.id, RestoredAuditEvent.kind == SIGNATURE)
    ).all()
    return local_signatures(assessment) | {(here.get(actor_id), details["content_sha256"])
                                           for actor_id, details in restored}


def _last_recorded_state(assessment: Assessment) -> str | None:
    from eqia.models import AuditEvent, RestoredAuditEvent

    here = db.session.execute(
        select(AuditEvent.to_state).where(AuditEvent.assessment_id == assessment.id, AuditEvent.to_state != "")
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one_or_none()
    return here if here is not None else db.session.execute(
        select(RestoredAuditEvent.to_state).where(RestoredAuditEvent.assessment_id == assessment.id,
                                                  RestoredAuditEvent.to_state != "")
        .order_by(RestoredAuditEvent.position.desc()).limit(1)
    ).scalar_one_or_none()


def verify(assessment: Assessment) -> SignatureCheck:
    """Recompute the content hash of a signed version and compare it with the
    final signatures; also check each stored record still hashes to its signature."""
    current = content_hash(assessment)
    check = SignatureCheck(assessment=assessment, current_hash=current)
    ref = assessment.display_reference
    for s in assessment.sign_offs:
        if s.signed_content and digest(s.signed_content.encode("utf-8")) != s.content_hash:
            check.problems.append(stored_record_altered(ref, s.signer_name or unnamed_signer(s.signer_id)))
    vouched = _hashes_on_the_trail(assessment)
    for s in assessment.sign_offs:
        if (s.signer_id, s.content_hash) not in vouched:
            check.problems.append(signature_not_on_trail(ref, s.signer_name or unnamed_signer(s.signer_id)))
    check.problems += missing_sign_offs(assessment)
    check.problems += restored_trail_problems(assessment)
    last_state = _last_recorded_state(assessment)
    if last_state is not None and last_state != assessment.state:
        check.problems.append(state_not_on_trail(ref, assessment.state, last_state))
    if is_signed(assessment):
        final = assessment.sign_offs[-1]
        if final.content_hash != current:
            check.problems.append(signed_hash_mismatch(ref, final.content_hash, current))
            if final.signed_content:
                signed, now = json.loads(final.signed_content), content_record(assessment)
                check.changed_tasks = changed_tasks(signed, now)
                check.changed_parts = changed_parts(signed, now)
    return check


def verify_all() -> list[SignatureCheck]:
    return [verify(a) for a in versions_signed_on_the_trail()]
