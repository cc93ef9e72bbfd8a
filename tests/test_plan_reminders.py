"""The daily reminders of an adopted action plan's rows (issue 18: plans are tracked "with the same reminders
and overdue rules as EqIA actions"): due soon, then overdue, each once; told to the row's owner (an account)
and the plan's maker; in e-mail, digest and the notifications page, each leading to the plan."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import ActionPlan, Notification, OutboxMessage
from eqia.notifications import kinds
from eqia.notifications.reminders import queue_digests, remind_plan_rows
from eqia.services import plans
from eqia.services.action_progress import ProgressInput
from eqia.services.sweep import DAILY
from tests.test_notification_kinds import choose, html_of, noon, outbox, send, text_of, told
from tests.test_notifications import Mailbox
from tests.test_plans import adopted, make, row_fields

DUE = date(2027, 3, 31)
HOSTILE = "<script>alert('x')</script> & \u201cfriends\u201d"


def plan_with_rows(world, **fields) -> ActionPlan:
    """An adopted plan: R1 owned by the author's account and due on DUE; R2 due on a condition; R3 due on DUE
    and owned by words alone."""
    plan = make(world, **fields)
    for overrides in ({"number": "R1", "owner_user_id": world.author.id, "owner": "", "recommendation": HOSTILE},
                      {"number": "R2", "due_on": None, "due_condition": "After the Census release"},
                      {"number": "R3", "owner": "Head of HR"}):
        plans.add_row(world.lead, plan.id, row_fields(plan, **overrides))
        db.session.commit()
    return adopted(world, plan)


def reminded(user, *codes):
    return [(n.kind, n.details["number"]) for n in told(user) if n.kind in (codes or kinds.PLAN_KINDS)]


def test_a_row_is_reminded_when_due_soon_then_when_overdue_each_once_to_its_owner_and_the_plans_maker(app, world):
    plan = plan_with_rows(world)
    soon = app.config["EQIA_ACTION_DUE_SOON_DAYS"]
    early = DUE - timedelta(days=soon + 1)
    assert remind_plan_rows(early, noon(early)) == 0
    # Due soon: R1 to its owner and the lead who made the plan; R3 (owned by words) to the lead alone; R2 never.
    for day in (DUE - timedelta(days=soon), DUE - timedelta(days=soon), DUE):
        remind_plan_rows(day, noon(day))
    db.session.commit()
    assert reminded(world.author) == [(kinds.PLAN_ROW_DUE_SOON, "R1")]
    assert sorted(reminded(world.lead)) == [(kinds.PLAN_ROW_DUE_SOON, "R1"), (kinds.PLAN_ROW_DUE_SOON, "R3")]
    assert not reminded(world.decider) and not reminded(world.lead2)
    for day in (DUE + timedelta(days=1), DUE + timedelta(days=1), DUE + timedelta(days=40)):
        remind_plan_rows(day, noon(day))
    db.session.commit()
    assert reminded(world.author) == [(kinds.PLAN_ROW_DUE_SOON, "R1"), (kinds.PLAN_ROW_OVERDUE, "R1")]
    [overdue] = [n for n in told(world.author) if n.kind == kinds.PLAN_ROW_OVERDUE]
    assert overdue.assessment_id is None
    assert overdue.details == {"plan_id": plan.id, "reference": f"PLAN-{plan.id}", "title": plan.title,
                               "row_id": plan.rows[0].id, "number": "R1", "recommendation": HOSTILE,
                               "due_date": DUE.isoformat()}
    assert overdue.created_at == noon(DUE + timedelta(days=1)) and overdue.delivery == kinds.DIGEST


def test_a_row_done_a_plan_not_adopted_and_a_closed_plan_are_not_reminded(app, world):
    draft = make(world, title="Still a draft")
    plans.add_row(world.lead, draft.id, row_fields(draft, owner_user_id=world.author.id, owner=""))
    db.session.commit()
    plan = plan_with_rows(world)
    r1, r3 = plan.rows[0], plan.rows[2]
    plans.record_progress(world.author, plan.id, r1.id, ProgressInput("done", "Published", "", date.today()))
    db.session.commit()
    day = DUE + timedelta(days=1)
    assert remind_plan_rows(day, noon(day)) == 1  # R3 to the lead: R1 is done, R2 has no date, the draft waits
    db.session.commit()
    assert reminded(world.lead) == [(kinds.PLAN_ROW_OVERDUE, "R3")] and not reminded(world.author)
    assert told(world.lead, kinds.PLAN_ROW_OVERDUE)[0].details["row_id"] == r3.id
    closed = plan_with_rows(world, title="Closed before its rows fell due")
    plans.take(world.lead, closed.id, "close_plan", comment="Replaced by the 2027 plan")
    db.session.commit()
    later = day + timedelta(days=1)
    assert remind_plan_rows(later, noon(later)) == 0  # R3 was told already; the closed plan's rows are not


def test_the_daily_sweep_reminds_of_plan_rows(app, world):
    assert "plan_rows_due" in [step.name for step in DAILY]
    step = next(s for s in DAILY if s.name == "plan_rows_due")
    plan_with_rows(world)
    assert step.run(DUE, noon(DUE)) == 3  # R1 to two people, R3 to one


def test_an_email_a_digest_and_the_notifications_page_each_lead_to_the_plan(app, runner, world, client, auth):
    app.config.update(EQIA_NOTIFY_RETRY_SECONDS=0)
    choose(world.author, kinds.IMMEDIATELY)
    choose(world.lead, kinds.DIGEST)
    plan = plan_with_rows(world, title=HOSTILE)
    remind_plan_rows(DUE, noon(DUE))
    db.session.commit()
    assert queue_digests(DUE, noon(DUE)) == 1  # the lead's, of R1 and R3
    db.session.commit()
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        assert send(runner).exit_code == 0
    address = f"http://127.0.0.1:5000/programme/plans/{plan.id}"
    [mine] = [m for m in mailbox.received if m["To"] == world.author.email]
    assert " ".join(mine["Subject"].split()) == f"PLAN-{plan.id}: row R1 of the action plan is due on 31 March 2027"
    assert address in text_of(mine) and f'href="{address}"' in html_of(mine)
    assert HOSTILE in text_of(mine) and HOSTILE not in html_of(mine) and "&lt;script&gt;" in html_of(mine)
    [digest] = [m for m in mailbox.received if m["To"] == world.lead.email]
    assert " ".join(digest["Subject"].split()) == "Your notifications for 31 March 2027: 2 about 1 action plan(s)"
    text = text_of(digest)
    assert text.count(address) == 1 and "row R1" in text and "row R3" in text
    assert "/assessments/" not in text
    auth.sign_in(world.author)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'href="/programme/plans/{plan.id}"' in page
    assert f"PLAN-{plan.id}: row R1 of the action plan is due on 31 March 2027" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.kind.in_(kinds.PLAN_KINDS))) == 3
