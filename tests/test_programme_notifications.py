"""A cumulative judgement and an action plan tell whoever may move them on next that they wait for them
(issue 18: challenged and signed like an assessment, whose hand-overs are told): in the service, and by
e-mail to those who want it straight away; never the person who acted, nor a lead the definition's
segregation of duties keeps from the step."""

from __future__ import annotations

import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import Notification, OutboxMessage, User
from eqia.notifications.kinds import PROGRAMME_HANDED_OVER
from eqia.notifications.messages import written
from eqia.services import plans
from tests.conftest import PASSWORD
from tests.test_cumulative_judgements import budget, take, written as judgement_written  # noqa: F401 (a fixture)
from tests.test_plans import add_row, make


def told(kind: str = PROGRAMME_HANDED_OVER) -> list[tuple[str, dict]]:
    db.session.expire_all()
    return [(email, n.details) for n, email in db.session.execute(
        sa.select(Notification, User.email).join(User, User.id == Notification.user_id)
        .where(Notification.kind == kind).order_by(Notification.id))]


def test_a_judgement_sent_for_challenge_tells_the_other_leads_and_approved_tells_the_decision_makers(
        client, auth, world, budget):
    made = judgement_written(world)
    take(world.lead, made, "submit_judgement")
    sent = told()
    # Another lead may challenge it; the lead who wrote it and sent it may not, so is not told.
    assert {email for email, _ in sent} == {world.lead2.email}
    facts = sent[0][1]
    assert (facts["subject"], facts["record_id"], facts["reference"], facts["state"]) == (
        "cumulative_judgement", made.id, f"CUMUL-{made.id}", "challenge")
    take(world.lead2, made, "approve_judgement")
    assert sorted(email for email, details in told() if details["state"] == "awaiting_sign_off") == sorted(
        [world.decider.email, world.decider2.email])

    # The decision-maker sees it on their notifications page, linked to the judgement.
    auth.sign_in(world.decider)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/programme/judgements/{made.id}"' in page
    assert f"CUMUL-{made.id}: Approved for sign-off" in page


def test_its_e_mail_says_what_happened_and_leads_to_the_record(app, world, budget):
    made = judgement_written(world)
    take(world.lead, made, "submit_judgement")
    [message] = db.session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.kind == PROGRAMME_HANDED_OVER)).scalars().all()
    assert message.recipient == world.lead2.email
    words = written(message, "https://eqia.example.gov.uk")
    assert words.subject.startswith(f"CUMUL-{made.id}: Sent for challenge")
    assert f"https://eqia.example.gov.uk/programme/judgements/{made.id}" in words.body
    assert "took the action \u201cSend for challenge\u201d" in words.body and "Budget savings 2027-28" in words.body


def test_an_agreed_plan_tells_the_decision_makers_and_an_adopted_one_tells_nobody(world):
    plan = make(world)
    add_row(world, plan)
    plans.take(world.lead, plan.id, "agree_plan")
    db.session.commit()
    assert sorted((email, facts["reference"], facts["state"]) for email, facts in told()) == sorted(
        (u.email, f"PLAN-{plan.id}", "agreed") for u in (world.decider, world.decider2))
    plans.take(world.decider, plan.id, "adopt_plan", attested=True, password=PASSWORD)
    db.session.commit()
    assert len(told()) == 2  # adopted, it is settled: nobody waits to act on it, so nobody more is told
