"""The engine announces each transition it applies; what listens is not its
business. A listener hears the transition inside its transaction: what it
writes commits with the transition, and if it fails the transition is undone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import Assessment, AuditEvent
from eqia.services.errors import Forbidden
from eqia.services.workflow import perform_transition
from eqia.workflow.signals import transition_applied
from tests.conftest import audit_count


def test_a_listener_hears_each_transition_with_its_context_and_audit_event(app, world):
    assessment = world.make_assessment()
    heard = []

    def listener(sender, *, context, event, subject):
        # Inside the transaction: the event is flushed, and the state already moved.
        in_session = db.session.get(AuditEvent, event.id)
        heard.append((sender, context.assessment.id, context.transition.trigger, context.user, context.role,
                      context.comment, event.action, event.from_state, event.to_state, in_session is event))

    with transition_applied.connected_to(listener):
        done = perform_transition(assessment.id, "propose_screen_out", world.author, comment="No group is affected")
    assert heard == [(app, assessment.id, "propose_screen_out", world.author, "author", "No group is affected",
                      "propose_screen_out", "screening", done.state, True)]
    assert done.state == "screen_out_proposed"


def test_a_refused_transition_is_not_announced(app, world):
    assessment = world.make_assessment()
    heard = []

    def listener(sender, **facts):
        heard.append(facts)

    with transition_applied.connected_to(listener), pytest.raises(Forbidden):
        # Only an author may propose a screen-out.
        perform_transition(assessment.id, "propose_screen_out", world.decider, comment="No group is affected")
    assert heard == []


def test_a_listener_that_fails_undoes_the_transition(app, world):
    assessment = world.make_assessment()
    events_before = audit_count(assessment.id)

    class ListenerBroke(Exception):
        pass

    def listener(sender, *, context, event, subject):
        raise ListenerBroke

    with transition_applied.connected_to(listener), pytest.raises(ListenerBroke):
        perform_transition(assessment.id, "propose_screen_out", world.author, comment="No group is affected")
    db.session.expire_all()
    assert db.session.execute(sa.select(Assessment.state).where(Assessment.id == assessment.id)).scalar_one() \
        == "screening"
    assert audit_count(assessment.id) == events_before
