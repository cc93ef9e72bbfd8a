"""Who is told of a transition, and in what words: the people who can act next
(by the definition), never the person who acted, and nobody once the work is
settled. The message is queued in the transaction of the change it reports."""

from __future__ import annotations

import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import AuditEvent, OutboxMessage
from eqia.notifications.messages import written
from eqia.services.workflow import perform_transition
from tests.conftest import STANDARD


def queued() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.recipient)).scalars().all()


def test_a_proposed_screen_out_tells_the_equality_leads_what_happened_and_where(app, world):
    assessment = world.make_assessment()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    perform_transition(assessment.id, "propose_screen_out", world.author, comment="No group is affected\ndifferently")
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "propose_screen_out")).scalar_one()
    state = STANDARD.states["screen_out_proposed"]
    transition = STANDARD.transitions["propose_screen_out"]
    reference = assessment.display_reference
    messages = queued()
    assert [m.recipient for m in messages] == ["lead2@example.test", "lead@example.test"]
    for m in messages:
        assert (m.audit_event_id, m.assessment_id) == (event.id, assessment.id)
        # The row keeps what to say; the words are written when it is sent (and read here as sent).
        words = written(m, app.config["EQIA_BASE_URL"])
        assert words.subject == f"{reference}: {transition.done} \u2013 now {state.phrase}"
        # Written from the kind's templates (templates/email/handed_over.txt): a hand-off to the leads.
        assert (m.kind, words.body) == ("handed_over", (
            f"{reference} \u201c{assessment.title}\u201d is waiting for you.\n\n"
            f"{world.author.name} took the action \u201c{transition.label}\u201d on {reference} "
            f"\u201c{assessment.title}\u201d.\n\nIt is now: {state.label}. {state.description}\n"
            "\nComment:\nNo group is affected\ndifferently\n"
            f"\nOpen {reference}: http://127.0.0.1:5000/assessments/{assessment.id}\n\n"
            "You get \u201cWork waiting for you\u201d notifications by e-mail straight away. Change that in your "
            "notification settings: http://127.0.0.1:5000/account/notifications\n"))


def test_nobody_is_told_when_the_work_is_settled(app, world):
    assessment = world.make_assessment("screen_out_proposed")
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    perform_transition(assessment.id, "agree_screen_out", world.lead, comment="Agreed: no group is affected")
    assert queued() == []
