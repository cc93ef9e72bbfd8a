"""An administrator's change, on the audit trail as facts: the action
"admin:<change>", kind "admin", and details holding the change's code and the
ids and values it concerns. eqia.audit_words reads them in words."""

from __future__ import annotations

from eqia.audit_words import ADMIN as ADMIN_KIND
from eqia.models import AuditEvent, User
from eqia.roles import ADMIN
from eqia.services.audit import append_event

# The changes an admin makes (details["change"]).
DIRECTORATE_CREATED = "directorate_created"
DIRECTORATE_RENAMED = "directorate_renamed"
DIRECTORATE_RETIRED = "directorate_retired"
SERVICE_CREATED = "service_created"
SERVICE_RENAMED = "service_renamed"
SERVICE_RETIRED = "service_retired"
ROLES_CHANGED = "roles_changed"
USER_DIRECTORATE_CHANGED = "user_directorate_changed"
COVERAGE_CHANGED = "coverage_changed"
DEACTIVATED = "deactivated"
REACTIVATED = "reactivated"
NOTIFICATIONS_RETRIED = "notifications_retried"


def record(admin: User, change: str, **details) -> AuditEvent:
    return append_event(action=f"admin:{change}", actor=admin, role=ADMIN, kind=ADMIN_KIND,
                        details={"change": change, **details})
