"""Real concurrency on PostgreSQL: row locks and lock versions hold under
simultaneous requests. (SQLite serialises writers itself; these need a server.)"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.unit_of_work import unit_of_work
from eqia.models import Assessment, AuditEvent
from eqia.services.assessments import update_register_details
from eqia.services.errors import Conflict, ServiceError
from eqia.services.workflow import perform_transition
from tests.conftest import DB_KIND

pytestmark = pytest.mark.skipif(DB_KIND != "postgres", reason="needs PostgreSQL row locks and real connections")

ATTEMPTS = 10


def run_together(app, work, count: int) -> list:
    """Run `work(i)` in `count` threads, each with its own app context and
    database session, released together by a barrier."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def attempt(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                with unit_of_work():  # each attempt is a request of its own: it commits once, or not at all
                    results[i] = work(i)
            except Exception as exc:  # the outcome is what the test inspects
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_ten_simultaneous_approvals_one_succeeds_one_event(app, world):
    assessment = world.make_assessment("challenge")
    lead_id, assessment_id = world.lead.id, assessment.id
    events_before = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()

    def approve(_: int):
        from eqia.models import User
        user = db.session.get(User, lead_id)
        perform_transition(assessment_id, "approve", user, comment="Looks right")
        return "ok"

    results = run_together(app, approve, ATTEMPTS)
    assert results.count("ok") == 1, results
    assert all(isinstance(r, ServiceError) and r.status == 409 for r in results if r != "ok"), results
    db.session.expire_all()
    assert db.session.get(Assessment, assessment_id).state == "awaiting_sign_off"
    approvals = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "approve")).scalar_one()
    assert approvals == 1
    total = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    assert total == events_before + 1


def test_two_saves_with_the_same_lock_version_one_wins_and_nothing_is_lost(app, world):
    assessment = world.make_assessment("full_assessment")
    author_ids = [world.author.id, world.co_author.id]
    assessment_id, seen_version = assessment.id, assessment.lock_version
    texts = ["Aims written by the author", "Aims written by the co-author"]

    def save(i: int):
        from eqia.models import User
        user = db.session.get(User, author_ids[i])
        update_register_details(assessment_id, user, {"aims": texts[i]}, seen_version)
        return "saved"

    results = run_together(app, save, 2)
    assert results.count("saved") == 1, results
    loser = next(r for r in results if r != "saved")
    assert isinstance(loser, Conflict)
    winner_text = texts[results.index("saved")]
    db.session.expire_all()
    stored = db.session.get(Assessment, assessment_id)
    assert stored.aims == winner_text
    assert stored.lock_version == seen_version + 1
    # The conflict hands back the saved state so the page can show what changed
    # while the loser's own text stays in their form.
    assert loser.current_lock_version == seen_version + 1
