"""Which assessments a user finds: the "All assessments" page and the API's list
share this, so both apply the same visibility and the same filters."""

from __future__ import annotations

from sqlalchemy import Select, or_

from eqia.models import Assessment, User
from eqia.services import access

TEXT_MAX = 200


def assessments_matching(user: User, text: str = "", state: str = "", directorate_id: int | None = None) -> Select:
    """Visible to `user`, with the title or reference containing `text` (any
    case; % and _ are literal), in `state`, in the directorate, where given."""
    query = access.visible_assessments(user)
    text = (text or "").strip()[:TEXT_MAX]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Assessment.title.ilike(pattern, escape="\\"),
                                Assessment.reference.ilike(pattern, escape="\\")))
    if state:
        query = query.where(Assessment.state == state)
    if directorate_id is not None:
        query = query.where(Assessment.directorate_id == directorate_id)
    return query
