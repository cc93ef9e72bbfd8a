"""Finding assessments by what someone types. The "All assessments" page and the
API's list share `assessments_matching`, so both apply the same visibility and
filters; the public register (eqia.services.public_register) shares the text handling."""

from __future__ import annotations

from sqlalchemy import Select, or_

from eqia.models import Assessment, User
from eqia.services import access

# Longer than any title a person would search for; a cap keeps a hostile query cheap.
TEXT_MAX = 200


def clean_text(value: str) -> str:
    """Search text as a query uses it: NUL removed (PostgreSQL cannot hold it), trimmed, capped."""
    return value.replace("\x00", "").strip()[:TEXT_MAX].strip()


def like_pattern(text: str) -> str:
    """`text` anywhere, for `ilike(..., escape="\\\\")`: % and _ match only themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def assessments_matching(user: User, text: str = "", state: str = "", directorate_id: int | None = None) -> Select:
    """Visible to `user`, with the title or reference containing `text` (any
    case), in `state`, in the directorate, where given."""
    query = access.visible_assessments(user)
    text = clean_text(text or "")
    if text:
        pattern = like_pattern(text)
        query = query.where(or_(Assessment.title.ilike(pattern, escape="\\"),
                                Assessment.reference.ilike(pattern, escape="\\")))
    if state:
        query = query.where(Assessment.state == state)
    if directorate_id is not None:
        query = query.where(Assessment.directorate_id == directorate_id)
    return query
