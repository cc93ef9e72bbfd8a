"""The notifications page and the notification settings: a person's own
notifications, newest first, unread ones tagged, each linking to its
assessment; marking read only by a POST; the count in the header from one
query; and how they hear of each kind, refused with a clear message when the
choice is not one offered."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Notification, NotificationPreference, OutboxMessage, utcnow
from eqia.notifications import kinds
from eqia.notifications.inbox import PAGE_SIZE, notify
from eqia.notifications.preferences import CHANNEL_MISSING, CHANNEL_UNKNOWN

from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401


def remind(world, user, assessment, n: int, *, title: str | None = None, minutes_ago: int = 0) -> Notification:
    """One overdue-action notification for `user`, made `minutes_ago` minutes ago."""
    facts = {"assessment_id": assessment.id, "reference": assessment.display_reference,
             "title": title or assessment.title, "action_id": n, "description": f"Action {n}",
             "due_date": "2026-11-0%d" % (1 + n % 9)}
    made, = notify([user], kinds.ACTION_OVERDUE, facts, assessment_id=assessment.id, once_key=f"test:{n}")
    made.created_at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.commit()
    return made


def page(client, url: str = "/notifications") -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def rows(soup: BeautifulSoup) -> list[str]:
    return [" ".join(r.select("td")[0].get_text(" ", strip=True).split()) for r in soup.select("tbody tr")]


def test_the_list_is_newest_first_tags_the_unread_and_links_each_to_its_assessment(client, auth, world):
    assessment = world.make_assessment()
    older = remind(world, world.author, assessment, 1, minutes_ago=30)
    newer = remind(world, world.author, assessment, 2, minutes_ago=5)
    remind(world, world.lead, assessment, 3)  # someone else's: never shown here
    older.read_at = utcnow()
    db.session.commit()
    auth.sign_in(world.author)
    soup = page(client)
    reference = assessment.display_reference
    assert rows(soup) == [f"{reference}: an action was due on 3 November 2026 and is not done {assessment.title}",
                          f"{reference}: an action was due on 2 November 2026 and is not done {assessment.title}"]
    links = [a["href"] for a in soup.select("tbody tr td:first-child a")]
    assert links == [f"/assessments/{assessment.id}"] * 2
    tags = [r.select_one(".govuk-tag").get_text(strip=True) for r in soup.select("tbody tr")]
    assert tags == ["Unread", "Read"]
    # Opening the list marks nothing read.
    db.session.expire_all()
    assert db.session.get(Notification, newer.id).read_at is None


def test_a_hostile_title_is_shown_escaped(client, auth, world):
    assessment = world.make_assessment()
    hostile = "<script>alert(1)</script>"
    remind(world, world.author, assessment, 1, title=hostile)
    auth.sign_in(world.author)
    html = client.get("/notifications").get_data(as_text=True)
    assert hostile not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert db.session.execute(sa.select(Notification.details)).scalar_one()["title"] == hostile


def test_the_list_is_paginated(client, auth, world):
    assessment = world.make_assessment()
    for n in range(PAGE_SIZE + 3):
        remind(world, world.author, assessment, n, minutes_ago=n)
    auth.sign_in(world.author)
    first = page(client)
    assert len(rows(first)) == PAGE_SIZE and "Action" not in rows(first)[0]
    assert first.select_one(".govuk-pagination__next a")["href"] == "/notifications?page=2"
    assert first.select_one(".govuk-pagination__prev") is None
    second = page(client, "/notifications?page=2")
    assert len(rows(second)) == 3
    assert second.select_one(".govuk-pagination__prev a")["href"] == "/notifications?page=1"
    # A page beyond the last shows the last; nonsense shows the first.
    assert len(rows(page(client, "/notifications?page=99"))) == 3
    assert len(rows(page(client, "/notifications?page=abc"))) == PAGE_SIZE


def test_marking_read_is_a_post_of_ones_own_notification_and_the_header_counts_the_unread(client, auth, world):
    assessment = world.make_assessment()
    mine = [remind(world, world.author, assessment, n, minutes_ago=n) for n in range(3)]
    theirs = remind(world, world.lead, assessment, 9)
    auth.sign_in(world.author)
    nav = page(client, "/my-work").select_one(".govuk-service-navigation").get_text(" ", strip=True)
    assert "Notifications (3)" in nav
    assert client.get(f"/notifications/{mine[0].id}/read").status_code == 405
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    response = client.post(f"/notifications/{mine[0].id}/read?page=1")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?page=1"
    db.session.expire_all()
    assert db.session.get(Notification, mine[0].id).read_at is not None
    assert db.session.get(Notification, theirs.id).read_at is None
    assert "Notifications (2)" in page(client).select_one(".govuk-service-navigation").get_text(" ", strip=True)
    assert client.post("/notifications/read-all").status_code == 302
    db.session.expire_all()
    assert [db.session.get(Notification, n.id).read_at is not None for n in mine] == [True] * 3
    assert db.session.get(Notification, theirs.id).read_at is None
    nav = page(client).select_one(".govuk-service-navigation")
    assert [a.get_text(strip=True) for a in nav.select("a") if "notifications" in a["href"]] == ["Notifications"]


def test_the_page_asks_the_same_number_of_queries_however_many_notifications_it_shows(app, client, auth, world):
    assessment, other = world.make_assessment(), world.make_assessment(title="Park opening hours")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for_page() -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            page(client)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    remind(world, world.author, assessment, 0)
    auth.sign_in(world.author)
    few = queries_for_page()
    for n in range(1, PAGE_SIZE):
        remind(world, world.author, other if n % 2 else assessment, n)
    assert queries_for_page() == few
    assert sum("count(" in s.lower() and "notification" in s.lower() for s in statements) == 2  # header, total


def test_the_settings_show_each_kinds_default_and_save_a_choice(client, auth, world):
    auth.sign_in(world.author)
    soup = page(client, "/account/notifications")
    checked = {i["name"]: i["value"] for i in soup.select("input[type=radio][checked]")}
    assert checked == {f"channel_{code}": kind.default_channel for code, kind in kinds.KINDS.items()}
    assert checked["channel_returned_to_author"] == "immediately" and checked["channel_action_overdue"] == "digest"
    choice = {**checked, "channel_action_overdue": "in_app", "channel_signed": "digest"}
    response = client.post("/account/notifications", data=choice)
    assert response.status_code == 302
    saved = dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.channel)
                                    .where(NotificationPreference.user_id == world.author.id)).all())
    assert saved == {code: choice[f"channel_{code}"] for code in kinds.KINDS}
    soup = page(client, "/account/notifications")
    assert "Your notification settings have been saved." in soup.get_text()
    assert soup.select_one("input[name=channel_action_overdue][checked]")["value"] == "in_app"


@pytest.mark.parametrize("value", ["loudly", "", "<b>x</b>"])
def test_a_choice_not_offered_is_refused_clearly_and_nothing_is_lost(client, auth, world, value):
    auth.sign_in(world.author)
    choice = {f"channel_{code}": kind.default_channel for code, kind in kinds.KINDS.items()}
    choice.update(channel_signed="in_app", channel_published=value)
    response = client.post("/account/notifications", data=choice)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    summary = [a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")]
    message = (CHANNEL_UNKNOWN if value else CHANNEL_MISSING).format(label="Published")
    assert summary == [message]
    assert soup.select_one(".govuk-error-summary a")["href"] == "#channel_published"
    assert soup.title.get_text().startswith("Error: ")
    # What was chosen for the other kinds is still chosen; nothing was saved.
    assert soup.select_one("input[name=channel_signed][checked]")["value"] == "in_app"
    assert db.session.execute(sa.select(sa.func.count()).select_from(NotificationPreference)).scalar_one() == 0


@pytest.mark.browser
def test_the_notifications_page_and_settings_in_a_browser(live_server, browser, world):  # noqa: F811
    assessment = world.make_assessment()
    for n in range(3):
        remind(world, world.author, assessment, n, minutes_ago=n)
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go("/notifications")
    assert "Notifications (3)" in author.page.locator(".govuk-service-navigation").inner_text()
    check(author.page, "notifications-list")
    author.page.locator("tbody tr").first.locator("button:has-text('Mark as read')").click()
    author.page.wait_for_url("**/notifications?page=1")
    assert "Notifications (2)" in author.page.locator(".govuk-service-navigation").inner_text()
    author.page.click("button:has-text('Mark all as read')")
    author.page.wait_for_url("**/notifications")
    assert author.page.locator(".govuk-tag:has-text('Unread')").count() == 0
    check(author.page, "notifications-all-read")
    author.go("/account/notifications")
    check(author.page, "notifications-settings")
    # A choice the page never offered (a tampered form): refused with the error summary, nothing lost.
    author.page.check("input[name=channel_signed][value=in_app]")
    author.page.eval_on_selector("input[name=channel_published][value=digest]",
                                 "radio => { radio.value = 'loudly'; radio.checked = true; }")
    author.page.click("button:has-text('Save settings')")
    assert author.page.locator(".govuk-error-summary").inner_text().endswith(
        CHANNEL_UNKNOWN.format(label="Published"))
    assert author.page.title().startswith("Error: ")
    assert author.page.is_checked("input[name=channel_signed][value=in_app]")
    check(author.page, "notifications-settings-error")
    author.page.check("input[name=channel_action_overdue][value=in_app]")
    author.page.click("button:has-text('Save settings')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    assert author.page.is_checked("input[name=channel_action_overdue][value=in_app]")
    check(author.page, "notifications-settings-saved")


def test_a_notification_of_a_kind_or_workflow_no_longer_known_still_lists(client, auth, world):
    assessment = world.make_assessment()
    facts = {"assessment_id": assessment.id, "reference": assessment.display_reference, "title": assessment.title,
             "workflow": "retired", "workflow_version": 1, "trigger": "gone", "state": "gone", "actor": None,
             "comment": ""}
    db.session.add_all([Notification(user_id=world.author.id, kind=kinds.HANDED_OVER, details=facts,
                                     assessment_id=assessment.id, delivery=kinds.IN_APP),
                        Notification(user_id=world.author.id, kind="retired_kind", details=facts,
                                     assessment_id=assessment.id, delivery=kinds.IN_APP)])
    db.session.commit()
    auth.sign_in(world.author)
    assert rows(page(client)) == [f"{assessment.display_reference}: {assessment.title} {assessment.title}"] * 2
