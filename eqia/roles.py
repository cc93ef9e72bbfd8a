"""The roles a user can hold. Workflow definitions may name only these."""

from __future__ import annotations

AUTHOR = "author"
EQUALITY_LEAD = "equality_lead"
DECISION_MAKER = "decision_maker"
ADMIN = "admin"

ROLE_LABELS: dict[str, str] = {
    AUTHOR: "Author",
    EQUALITY_LEAD: "Equality lead",
    DECISION_MAKER: "Decision-maker",
    ADMIN: "Administrator",
}

ROLES: tuple[str, ...] = tuple(ROLE_LABELS)
