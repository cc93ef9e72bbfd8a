"""Who took part in a record of the council's programme (an action plan, a cumulative judgement), for
segregation of duties: read from its events on the trail (kind PROGRAMME, under the record's reference) by
their facts' change codes, never by their action codes or their words. The creator is the record's own;
whoever took a transition is named under its trigger; whoever wrote the record is an editor. One query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import select

from eqia.audit_words import PROGRAMME
from eqia.extensions import db
from eqia.models import AuditEvent
from eqia.workflow.subject import Participants


def participants_from_trail(records: Sequence[Any], reference: Callable[[Any], str], *, moved: str,
                            writes: Collection[str]) -> dict[int, Participants]:
    """By record id. `moved`: the change code of the record's transitions (its trigger in the facts);
    `writes`: the change codes of writing it. Each record has `id` and `created_by_id`."""
    found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    by_reference = {reference(r): r.id for r in records}
    for r in records:
        found[r.id]["creator"].add(r.created_by_id)
    if by_reference:
        rows = db.session.execute(
            select(AuditEvent.assessment_reference, AuditEvent.actor_id, AuditEvent.details)
            .where(AuditEvent.assessment_reference.in_(list(by_reference)), AuditEvent.kind == PROGRAMME,
                   AuditEvent.actor_id.is_not(None)))
        for ref, actor_id, details in rows:
            change = details.get("change", "")
            if change == moved:
                found[by_reference[ref]][details["trigger"]].add(actor_id)
            elif change in writes:
                found[by_reference[ref]]["editors"].add(actor_id)
    return {r.id: Participants(by_kind={k: frozenset(v) for k, v in found[r.id].items()}) for r in records}
