"""The roles a user can hold. Workflow definitions may name only these."""

from __future__ import annotations

from eqia.workflow.shown import Shown

AUTHOR = "author"
EQUALITY_LEAD = "equality_lead"
DECISION_MAKER = "decision_maker"
ADMIN = "admin"

# Shown: the English is data (the API, the trail); pages show the reader's language.
ROLE_LABELS: dict[str, str] = {
    AUTHOR: Shown("Author"),
    EQUALITY_LEAD: Shown("Equality lead"),
    DECISION_MAKER: Shown("Decision-maker"),
    ADMIN: Shown("Administrator"),
}

ROLES: tuple[str, ...] = tuple(ROLE_LABELS)
