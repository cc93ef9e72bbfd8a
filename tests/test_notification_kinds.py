"""Every kind of notification, from what causes it to the mail server on
loopback: hand-offs as transitions happen, reminders from the daily steps with
the clock set, each person's choice of channel obeyed, the daily digest
grouped by assessment and sent once a day, and every e-mail sent exactly once
(run twice, across a refusal, and with two senders at once)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.local_time import LOCAL_ZONE, local_date
from eqia.models import Assessment, ChallengeRound, Notification, NotificationPreference, OutboxMessage, User
from eqia.notifications import kinds
from eqia.notifications.reminders import (
    queue_digests,
    remind_actions,
    remind_challenge_waiting,
    remind_decisions,
    remind_plan_rows,
)
from eqia.services.workflow import perform_transition
from tests.conftest import PASSWORD
from tests.test_notifications import Mailbox, _sender
from tests.test_task_queue import sqlite_mailbox  # noqa: F401  (a fixture)


def noon(day: date) -> datetime:
    """The sweep's clock: midday in London on `day`."""
    return datetime.combine(day, time(12), LOCAL_ZONE)


def choose(user: User, channel: str, *codes: str) -> None:
    for code in codes or tuple(kinds.KINDS):
        row = db.session.execute(sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == code)).scalar_one_or_none()
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=code, channel=channel))
        else:
            row.channel = channel
    db.session.commit()


def told(user: User, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    query = sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query).scalars())


def outbox(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.execute(query).scalars())


def send(runner):
    return runner.invoke(args=["eqia", "send-notifications"])


def text_of(message) -> str:
    plain, _ = message.get_payload()
    return plain.get_payload(decode=True).decode()


def html_of(message) -> str:
    _, html = message.get_payload()
    return html.get_payload(decode=True).decode()


def test_each_transition_tells_the_right_people_under_its_kind(app, world):
    published = world.make_assessment("published")
    returned = world.make_assessment("challenge", title="Park opening hours")
    world.take(returned, "return_to_author")
    assert {n.kind for n in told(world.author)} >= {kinds.SIGNED, kinds.PUBLISHED, kinds.RETURNED_TO_AUTHOR}
    assert [n.assessment_id for n in told(world.author, kinds.PUBLISHED)] == [published.id]
    assert [n.assessment_id for n in told(world.author, kinds.RETURNED_TO_AUTHOR)] == [returned.id]
    # The leads are handed the work when it is submitted; the decision-makers when it is approved.
    assert {n.assessment_id for n in told(world.lead, kinds.HANDED_OVER)} == {published.id, returned.id}
    assert [n.assessment_id for n in told(world.decider, kinds.AWAITING_SIGN_OFF)] == [published.id]
    # Nobody is told of what they did themselves: the lead who published it is not told it was published.
    assert not told(world.lead, kinds.PUBLISHED)
    perform_transition(published.id, "mark_review_due", world.lead, comment="Two years on")
    db.session.commit()
    assert [n.assessment_id for n in told(world.author, kinds.REVIEW_DUE)] == [published.id]
    assert not told(world.lead, kinds.REVIEW_DUE)


@pytest.mark.slow
def test_every_kind_reaches_the_mail_server_exactly_once_across_a_refusal_and_a_second_run(app, runner, world):
    app.config.update(EQIA_NOTIFY_RETRY_SECONDS=0)
    for user in world.crew:
        choose(user, kinds.IMMEDIATELY)
    hostile = "<script>alert('x')</script> & \u201cfriends\u201d"
    published = world.make_assessment("published", title=hostile)
    perform_transition(published.id, "mark_review_due", world.lead, comment="Two years on")
    db.session.commit()
    returned = world.make_assessment("challenge")
    world.take(returned, "return_to_author")
    waiting = world.make_assessment("challenge")
    opened = local_date(db.session.get(Assessment, waiting.id).challenge_rounds[-1].opened_at)
    today = opened + timedelta(days=app.config["EQIA_CHALLENGE_WAITING_DAYS"] + 1)
    assert remind_challenge_waiting(today, noon(today))
    action = db.session.get(Assessment, published.id).actions[0]
    assert remind_actions(action.due_date - timedelta(days=1), noon(action.due_date - timedelta(days=1)))
    assert remind_actions(action.due_date + timedelta(days=1), noon(action.due_date + timedelta(days=1)))
    decision = db.session.get(Assessment, waiting.id).planned_decision_date
    assert remind_decisions(decision - timedelta(days=1), noon(decision - timedelta(days=1)))
    # An adopted action plan's row, owned by the author's account (tests/test_plan_reminders.py).
    from tests.test_plan_reminders import DUE, plan_with_rows

    plan_with_rows(world)
    assert remind_plan_rows(DUE - timedelta(days=1), noon(DUE - timedelta(days=1)))
    assert remind_plan_rows(DUE + timedelta(days=1), noon(DUE + timedelta(days=1)))
    db.session.commit()
    queued = outbox()
    assert {m.kind for m in queued} == set(kinds.KINDS)
    refused = world.author.email
    with Mailbox(refuse=[refused]) as first:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=first.port)
        assert send(runner).exit_code == 1  # the author's were refused, to be tried again
        assert first.refusals[refused] == sum(m.recipient == refused for m in queued)
    with Mailbox() as second:
        app.config.update(SMTP_PORT=second.port)
        assert send(runner).exit_code == 0
        assert send(runner).output == "Nothing to send.\n"
    received = first.received + second.received
    assert all(m.sent_at is not None for m in outbox())
    # One e-mail for each queued message, none twice (each message's words are its own).
    assert len(received) == len(queued)
    assert Counter((m["To"], m["Subject"], text_of(m)) for m in received).most_common(1)[0][1] == 1
    assert [m["To"] for m in second.received].count(refused) == first.refusals[refused]
    # Each names the assessment (or the action plan) and links to it, as text and as HTML; a hostile title is
    # escaped in the HTML.
    for message in received:
        subject = " ".join(str(make_header(decode_header(message["Subject"]))).split())
        about = "programme/plans" if subject.startswith("PLAN-") else "assessments"
        assert f"http://127.0.0.1:5000/{about}/" in text_of(message)
        assert f'href="http://127.0.0.1:5000/{about}/' in html_of(message)
    about_published = [m for m in received if published.display_reference in m["Subject"]]
    assert about_published and all(hostile in text_of(m) for m in about_published)
    assert all(hostile not in html_of(m) and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;" in html_of(m)
               for m in about_published)


def test_two_senders_at_once_send_each_kind_once(app, world, database_url_for_test):
    for user in world.crew:
        choose(user, kinds.IMMEDIATELY)
    world.make_assessment("published")
    signed = world.make_assessment("signed_off")
    action = db.session.get(Assessment, signed.id).actions[0]
    remind_actions(action.due_date + timedelta(days=1), noon(action.due_date + timedelta(days=1)))
    db.session.commit()
    queued = outbox()
    assert len(queued) >= 4
    with Mailbox(senders_at_once=2) as mailbox:
        senders = [_sender(database_url_for_test, mailbox.port) for _ in range(2)]
        outputs = [s.communicate(timeout=180) for s in senders]
    for sender, (out, err) in zip(senders, outputs):
        assert sender.returncode == 0, err
    assert len(mailbox.sessions) == 2
    assert len(mailbox.received) == len(queued)
    assert Counter((m["To"], text_of(m)) for m in mailbox.received).most_common(1)[0][1] == 1
    assert all(m.sent_at is not None for m in outbox())


def test_each_person_hears_as_they_chose(app, runner, world):
    lead3 = world.make_user("lead3@example.test", "equality_lead", commit=True)
    choose(world.lead, kinds.IN_APP, kinds.HANDED_OVER)
    choose(world.lead2, kinds.DIGEST, kinds.HANDED_OVER)
    # lead3 chose nothing: a hand-off is e-mailed straight away.
    assessment = world.make_assessment("full_assessment")
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    perform_transition(assessment.id, "submit_for_challenge", world.author, comment="Ready",
                       attested=True, password=PASSWORD)
    db.session.commit()
    for user, delivery in ((world.lead, kinds.IN_APP), (world.lead2, kinds.DIGEST), (lead3, kinds.IMMEDIATELY)):
        [n] = told(user, kinds.HANDED_OVER)
        assert (n.delivery, n.assessment_id) == (delivery, assessment.id)
    assert [m.recipient for m in outbox()] == [lead3.email]
    today = local_date(told(lead3)[0].created_at)
    assert queue_digests(today, noon(today) + timedelta(hours=12)) == 1
    db.session.commit()
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        assert send(runner).exit_code == 0
    assert sorted(m["To"] for m in mailbox.received) == [world.lead2.email, lead3.email]
    digest = next(m for m in mailbox.received if m["To"] == world.lead2.email)
    assert digest["Subject"].startswith("Your notifications for ")
    # The in-app-only lead is never e-mailed, today or by a digest.
    assert not [m for m in outbox() if m.recipient == world.lead.email]


def test_the_digest_gathers_a_days_notifications_by_assessment_once_a_day(app, runner, world):
    choose(world.author, kinds.DIGEST)
    first = world.make_assessment("signed_off", title="Library <opening> hours")
    second = world.make_assessment("signed_off", title="Park opening hours")
    action_one = db.session.get(Assessment, first.id).actions[0]
    due = action_one.due_date
    day = due + timedelta(days=1)
    assert remind_actions(due - timedelta(days=2), noon(due - timedelta(days=2))) == 2  # due soon, both
    assert remind_actions(day, noon(day)) == 2  # overdue, both
    db.session.commit()
    assert not outbox(recipient=world.author.email)  # the author chose the digest for everything
    assert queue_digests(day, noon(day)) == 1
    assert queue_digests(day, noon(day)) == 0  # once a day
    db.session.commit()
    [digest] = outbox(kind=kinds.DAILY_DIGEST)
    assert (digest.recipient, digest.once_key) == (world.author.email, f"digest:{world.author.id}:{day.isoformat()}")
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        assert send(runner).exit_code == 0
        assert send(runner).output == "Nothing to send.\n"
    mine = [m for m in mailbox.received if m["To"] == world.author.email]
    assert len(mine) == 1
    text = text_of(mine[0])
    a, b = first.display_reference, second.display_reference
    # Grouped by assessment: each assessment's heading once, its notifications beneath it.
    assert text.count(f"{a} \u201cLibrary <opening> hours\u201d") == 1 and text.count(f"{b} \u201cPark") == 1
    one, two = text.index(f"{a} \u201cLibrary"), text.index(f"{b} \u201cPark")
    assert one < two
    group_one = text[one:two]
    assert group_one.count("- Action due soon:") == 1 and group_one.count("- Action overdue:") == 1
    assert f"http://127.0.0.1:5000/assessments/{first.id}" in group_one
    assert "Library &lt;opening&gt; hours" in html_of(mine[0])
    # Made after today's digest: they wait for tomorrow's.
    world.take(world.make_assessment("awaiting_sign_off", title="Bus passes"), "sign_off")
    db.session.commit()
    assert queue_digests(day, noon(day) + timedelta(hours=6)) == 0
    tomorrow = day + timedelta(days=1)
    assert queue_digests(tomorrow, noon(tomorrow)) == 1


def test_a_challenge_waiting_too_long_is_reminded_on_the_right_day_once(app, world):
    waiting = world.make_assessment("challenge")
    round_ = db.session.get(Assessment, waiting.id).challenge_rounds[-1]
    opened = date(2026, 3, 2)
    round_.opened_at = noon(opened)
    db.session.commit()
    longest = app.config["EQIA_CHALLENGE_WAITING_DAYS"]
    on_time = opened + timedelta(days=longest)
    assert remind_challenge_waiting(on_time, noon(on_time)) == 0  # not longer than the days allowed yet
    late = on_time + timedelta(days=1)
    made = remind_challenge_waiting(late, noon(late))
    db.session.commit()
    assert made == len({u.id for u in (world.lead, world.lead2, world.author)})
    [n] = told(world.lead, kinds.CHALLENGE_WAITING)
    assert n.details["days"] == longest + 1 and n.details["since"] == opened.isoformat()
    assert n.delivery == kinds.DIGEST  # a reminder's default
    for day in (late, late + timedelta(days=1), late + timedelta(days=9)):
        assert remind_challenge_waiting(day, noon(day)) == 0
    db.session.commit()
    assert len(told(world.lead, kinds.CHALLENGE_WAITING)) == 1


def test_an_action_is_reminded_when_due_soon_then_when_overdue_each_once(app, world):
    signed = world.make_assessment("signed_off")
    action = db.session.get(Assessment, signed.id).actions[0]
    due, soon = action.due_date, app.config["EQIA_ACTION_DUE_SOON_DAYS"]
    early = due - timedelta(days=soon + 1)
    assert remind_actions(early, noon(early)) == 0
    for day in (due - timedelta(days=soon), due - timedelta(days=soon), due):
        remind_actions(day, noon(day))
    db.session.commit()
    assert [n.kind for n in told(world.author)
            if n.kind in (kinds.ACTION_DUE_SOON, kinds.ACTION_OVERDUE)] == [kinds.ACTION_DUE_SOON]
    for day in (due + timedelta(days=1), due + timedelta(days=1), due + timedelta(days=30)):
        remind_actions(day, noon(day))
    db.session.commit()
    reminders = [n for n in told(world.author) if n.kind in (kinds.ACTION_DUE_SOON, kinds.ACTION_OVERDUE)]
    assert [n.kind for n in reminders] == [kinds.ACTION_DUE_SOON, kinds.ACTION_OVERDUE]
    assert reminders[1].created_at == noon(due + timedelta(days=1))
    assert reminders[1].details["due_date"] == due.isoformat()


def test_a_decision_near_without_sign_off_is_reminded_once_and_a_signed_one_never(app, world):
    decision = date.today() + timedelta(days=30)
    draft = world.make_assessment("challenge", planned_decision_date=decision)
    world.make_assessment("signed_off", planned_decision_date=decision)
    near = app.config["EQIA_DECISION_APPROACHING_DAYS"]
    before = decision - timedelta(days=near + 1)
    assert remind_decisions(before, noon(before)) == 0
    for day in (decision - timedelta(days=near), decision - timedelta(days=1), decision):
        remind_decisions(day, noon(day))
    db.session.commit()
    reminded = {n.assessment_id for u in world.crew for n in told(u, kinds.DECISION_APPROACHING)}
    assert reminded == {draft.id}
    assert len(told(world.author, kinds.DECISION_APPROACHING)) == 1
    after = decision + timedelta(days=1)
    assert remind_decisions(after, noon(after)) == 0


def test_the_daily_steps_deliver_through_the_task_queue_once_with_two_workers(app, make_app, world, sqlite_mailbox):
    from tests.test_task_queue import running, wait_until
    from eqia.tasks import queue_for

    choose(world.author, kinds.DIGEST)
    signed = world.make_assessment("signed_off")
    due = db.session.get(Assessment, signed.id).actions[0].due_date
    day = due + timedelta(days=1)
    assert remind_actions(day, noon(day)) == 1 and queue_digests(day, noon(day)) == 1
    db.session.commit()  # as the sweep commits: the delivery is queued after the commit
    assert queue_for(app).huey.pending_count() >= 1
    shared = ("EQIA_QUEUE_URL", "EQIA_QUEUE_NAME", "SMTP_HOST", "SMTP_PORT")
    other = make_app(**{k: app.config[k] for k in shared if k in app.config})
    queued = outbox()
    with running(app, workers=2), running(other, workers=2):
        wait_until(lambda: len(sqlite_mailbox.received) >= len(queued), "every queued e-mail")
        wait_until(lambda: queue_for(app).huey.pending_count() == 0, "the queue to empty")
    received = sqlite_mailbox.received
    assert len(received) == len(queued)
    assert Counter((m["To"], m["Subject"], text_of(m)) for m in received).most_common(1)[0][1] == 1
    [digest] = [m for m in received if m["To"] == world.author.email]
    assert "- Action overdue:" in text_of(digest)
    assert all(m.sent_at is not None and m.attempts == 1 for m in outbox())


@pytest.mark.parametrize("name,default", [("EQIA_CHALLENGE_WAITING_DAYS", 5), ("EQIA_ACTION_DUE_SOON_DAYS", 7),
                                          ("EQIA_DECISION_APPROACHING_DAYS", 14)])
def test_the_reminder_thresholds_have_defaults_and_are_checked_at_start_up(name, default):
    from eqia.config import ConfigError, from_environment

    assert from_environment({"EQIA_ENV": "development"})[name] == default
    assert from_environment({"EQIA_ENV": "development", name: "3"})[name] == 3
    with pytest.raises(ConfigError) as raised:
        from_environment({"EQIA_ENV": "development", name: "0"})
    assert str(raised.value) == f"{name} must be a whole number from 1 to 365, not '0'"


def test_an_actions_owner_with_an_account_is_reminded_beside_the_author_and_an_inactive_one_is_not(app, world):
    from eqia.roles import AUTHOR

    owner = world.make_user("owner@example.test", commit=True)
    bystander = world.make_user("bystander@example.test", AUTHOR, commit=True)
    signed = world.make_assessment("awaiting_sign_off")
    action = db.session.get(Assessment, signed.id).actions[0]
    action.owner_user_id = owner.id  # as the action page records an owner account, before sign-off
    db.session.commit()
    world.drive(db.session.get(Assessment, signed.id), "signed_off")
    action = db.session.get(Assessment, signed.id).actions[0]
    day = action.due_date + timedelta(days=1)
    assert remind_actions(day, noon(day)) == 2  # the owner and the author
    db.session.commit()
    assert [n.kind for n in told(owner)] == [kinds.ACTION_OVERDUE]
    assert kinds.ACTION_OVERDUE in [n.kind for n in told(world.author)]
    assert told(bystander, kinds.ACTION_OVERDUE) == []

    other = world.make_assessment("awaiting_sign_off")
    other_action = db.session.get(Assessment, other.id).actions[0]
    other_action.owner_user_id = owner.id
    db.session.commit()
    world.drive(db.session.get(Assessment, other.id), "signed_off")
    other_action = db.session.get(Assessment, other.id).actions[0]
    db.session.get(type(owner), owner.id).active = False
    db.session.commit()
    later = other_action.due_date + timedelta(days=1)
    remind_actions(later, noon(later))
    db.session.commit()
    assert [n.kind for n in told(owner)] == [kinds.ACTION_OVERDUE]  # nothing more once deactivated
