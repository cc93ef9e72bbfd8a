"""Equality leads and the directorates they cover (eqia.services.coverage): the
work handed to the leads, the reminders of work waiting and the leads' queue
all go to the leads who cover the assessment's directorate and those who cover
none (the whole council); when that leaves nobody, to every lead. The e-mails
are delivered to a mail server on loopback."""

from __future__ import annotations

from datetime import date, timedelta
from email.header import decode_header, make_header

from bs4 import BeautifulSoup

from eqia.admin import accounts
from eqia.extensions import db
from eqia.models import Assessment, Directorate, User
from eqia.notifications import kinds
from eqia.notifications.messages import written
from eqia.notifications.reminders import remind_challenge_waiting
from tests.test_notification_kinds import choose, noon, outbox, send, told
from tests.test_notifications import Mailbox


def covering(world, lead: User, *directorates: Directorate) -> None:
    accounts.change_coverage(world.admin, db.session.get(User, lead.id), [d.id for d in directorates])
    db.session.commit()


def emailed(app, runner, kind: str) -> list[str]:
    """Who the mail server on loopback received the e-mails of `kind` for, sent as the sender sends them."""
    subjects = {written(m, "http://127.0.0.1:5000").subject for m in outbox(kind=kind)}
    assert subjects
    with Mailbox() as box:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port)
        assert send(runner).exit_code == 0
    return sorted(m["To"] for m in box.received if str(make_header(decode_header(m["Subject"]))) in subjects)


def leads_told(world, kind: str, assessment: Assessment) -> list[str]:
    return sorted(lead.email for lead in (world.lead, world.lead2)
                  if any(n.assessment_id == assessment.id for n in told(lead, kind)))


def queued(client, auth, lead: User, assessment: Assessment) -> bool:
    auth.sign_in(lead)
    links = BeautifulSoup(client.get("/my-work").data, "html.parser").select("a[href^='/assessments/']")
    auth.sign_out()
    return f"/assessments/{assessment.id}" in {a["href"].split("?")[0] for a in links}


def test_work_is_handed_to_the_lead_covering_its_directorate_only(app, runner, client, auth, world):
    for user in world.crew:
        choose(user, kinds.IMMEDIATELY)
    covering(world, world.lead, world.directorate)
    covering(world, world.lead2, world.other_directorate)
    ours = world.make_assessment("challenge")
    assert leads_told(world, kinds.HANDED_OVER, ours) == [world.lead.email]
    assert world.lead2.email not in emailed(app, runner, kinds.HANDED_OVER)
    assert queued(client, auth, world.lead, ours) and not queued(client, auth, world.lead2, ours)
    # When the leads swap directorates, the next of Adult Social Care's goes to the other lead.
    covering(world, world.lead, world.other_directorate)
    covering(world, world.lead2, world.directorate)
    next_one = world.make_assessment("challenge", title="Day centre transport")
    assert leads_told(world, kinds.HANDED_OVER, next_one) == [world.lead2.email]


def test_a_lead_covering_no_directorate_is_told_of_all_work_beside_the_covering_lead(app, runner, world):
    for user in world.crew:
        choose(user, kinds.IMMEDIATELY)
    covering(world, world.lead, world.other_directorate)
    ours = world.make_assessment("challenge")  # Adult Social Care: the whole-council lead's only
    assert leads_told(world, kinds.HANDED_OVER, ours) == [world.lead2.email]
    # Once the first lead covers Adult Social Care too, both are handed its next assessment.
    covering(world, world.lead, world.other_directorate, world.directorate)
    next_one = world.make_assessment("challenge", title="Day centre transport")
    assert leads_told(world, kinds.HANDED_OVER, next_one) == sorted([world.lead.email, world.lead2.email])
    received = emailed(app, runner, kinds.HANDED_OVER)
    assert received.count(world.lead2.email) == 2 and received.count(world.lead.email) == 1


def test_work_of_a_directorate_nobody_covers_goes_to_every_lead(app, runner, client, auth, world):
    for user in world.crew:
        choose(user, kinds.IMMEDIATELY)
    covering(world, world.lead, world.other_directorate)
    covering(world, world.lead2, world.other_directorate)
    ours = world.make_assessment("challenge")
    assert leads_told(world, kinds.HANDED_OVER, ours) == sorted([world.lead.email, world.lead2.email])
    assert emailed(app, runner, kinds.HANDED_OVER).count(world.lead.email) == 1
    assert queued(client, auth, world.lead, ours) and queued(client, auth, world.lead2, ours)
    # A lead who covers nothing any more is a lead: the work is theirs again, and theirs alone.
    covering(world, world.lead, world.other_directorate)
    covering(world, world.lead2)
    assert not queued(client, auth, world.lead, ours) and queued(client, auth, world.lead2, ours)


def test_a_challenge_waiting_too_long_reminds_the_covering_lead_and_the_author(app, runner, world):
    covering(world, world.lead, world.directorate)
    covering(world, world.lead2, world.other_directorate)
    waiting = world.make_assessment("challenge")
    round_ = db.session.get(Assessment, waiting.id).challenge_rounds[-1]
    opened = date(2026, 3, 2)
    round_.opened_at = noon(opened)
    db.session.commit()
    late = opened + timedelta(days=app.config["EQIA_CHALLENGE_WAITING_DAYS"] + 1)
    for user in world.crew:
        choose(user, kinds.IMMEDIATELY, kinds.CHALLENGE_WAITING)
    assert remind_challenge_waiting(late, noon(late)) == 2
    db.session.commit()
    assert leads_told(world, kinds.CHALLENGE_WAITING, waiting) == [world.lead.email]
    assert emailed(app, runner, kinds.CHALLENGE_WAITING) == sorted([world.author.email, world.lead.email])
