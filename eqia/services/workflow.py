"""The EqIA's side of the workflow: the audit actions that are ways of taking
part in a version rather than triggers, how an audit event says who did what
(the facts segregation of duties reads, in eqia.assessments.subject), and the
words the engine tells a user about an assessment in (the subject's wording).

Every state change goes through `perform_transition`, which is the engine's
(eqia.workflow.engine): it moves an assessment through the subject the EqIA
registers (eqia.assessments.subject). It and the engine's other functions and
refusals are named here too, where the services and pages have always found
them; `lock_assessment` is the engine's `lock`.
"""

from __future__ import annotations

from eqia.audit_words import EDIT
from eqia.services.audit import IMPORT_ACTION, RESTORE_ACTION
from eqia.workflow.errors import N_
from eqia.workflow.engine import (  # noqa: F401  (the engine's, named where callers find them)
    ATTESTATION_MISSING,
    COMMENT_MAX,
    COMMENT_REQUIRED,
    COMMENT_TOO_LONG,
    PASSWORD_MISSING,
    PASSWORD_WRONG,
    acting_role,
    allowed_transitions,
    apply_transition,
    check_permission,
    done_message,
    guard_problems,
    lock as lock_assessment,
    missing_requirements,
    participants_for,
    perform_system_transition,
    perform_transition,
    sod_problem,
)
from eqia.workflow.subject import Participants, Wording  # noqa: F401  (Participants: the engine's)

# What the engine tells a user about an assessment. {state} is a state's phrase ("in full
# assessment"), {action} a transition's label, {done} its done message: each written in the definition.
# English, marked for the catalogue: said in the language of the request they are shown to.
NOT_FOUND = N_("Assessment not found")
NOT_POSSIBLE_NOW = N_("This action is not possible while the assessment is {state}.")
NOT_YOUR_ROLE = N_("You do not have a role that can take the action \u201c{action}\u201d on this assessment.")
DONE_NOW = N_("{done}. The assessment is now {state}.")
DONE_STILL = N_("{done}. The assessment is still {state}.")
STALE = N_("Someone else changed this assessment since you opened it. Check the latest version below, "
           "then try again.")
WORDING = Wording(not_found=NOT_FOUND, not_possible_now=NOT_POSSIBLE_NOW, not_your_role=NOT_YOUR_ROLE,
                  done_now=DONE_NOW, done_still=DONE_STILL, stale=STALE)

# Audit actions that are not triggers, each a way of taking part in a version
# (see ACTION_KINDS below): recording and answering challenge points
# (eqia.services.challenge), starting a version (eqia.services.assessments and
# versions), importing one (eqia.interchange.importer) and restoring one.
CHALLENGE_POINTS_ACTION = "challenge_points"
ANSWERS_ACTION = "challenge_answers"
CREATE_ACTION = "create"
CREATE_VERSION_ACTION = "create_version"

# An edit's action code names its section ("edit:evidence"), as the trail has always
# recorded it; the section itself is a detail of the event (kind EDIT), which is what is read.
EDIT_ACTION_PREFIX = "edit:"


def kind_of_action(action: str, kind: str = "") -> str:
    """What an audit event says its actor did to the version: a kind of
    participant, or the trigger taken (the action code is the trigger's name)."""
    if kind == EDIT:
        return "editors"
    return ACTION_KINDS.get(action, action)


# The audit actions that are a kind of participation rather than a trigger.
ACTION_KINDS = {
    CREATE_ACTION: "creator", CREATE_VERSION_ACTION: "creator", IMPORT_ACTION: "importers",
    CHALLENGE_POINTS_ACTION: "challengers", ANSWERS_ACTION: "responders", RESTORE_ACTION: "restorers",
}
