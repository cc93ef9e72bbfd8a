"""Sessions end when idle and at their absolute time-out, on the server; their
owner sees where they are signed in and ends any of them. The tests set the
clock; nothing sleeps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import UserSession
from eqia.services import credentials, second_factor
from eqia.views import auth as auth_views
from eqia.views import sessions as sessions_views
from tests.conftest import PASSWORD
from tests.test_unit_of_work import commits  # noqa: F401  (the fixture)

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
        "Safari/537.36 Edg/131.0.0.0")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The service's clock, where sessions and codes read the time."""
    clock = Clock()
    for module in (credentials, second_factor, auth_views):
        monkeypatch.setattr(module, "utcnow", lambda: clock.now)
    return clock


def sign_in(client, user, user_agent: str = FIREFOX):
    return client.post("/sign-in", data={"email": user.email, "password": PASSWORD},
                       headers={"User-Agent": user_agent})


def signed_in(client) -> bool:
    return client.get("/my-work").status_code == 200


def last_seen(user) -> list[datetime]:
    db.session.expire_all()
    return [r.last_seen_at for r in db.session.execute(sa.select(UserSession).where(
        UserSession.user_id == user.id)).scalars()]


def test_a_session_unused_for_the_idle_time_out_is_signed_out(client, world, clock):
    assert sign_in(client, world.author).status_code == 302
    clock.advance(minutes=29)
    assert signed_in(client)
    clock.advance(minutes=29)  # 29 minutes since it was last used: still live
    assert signed_in(client)
    clock.advance(minutes=30)
    assert client.get("/my-work").status_code == 302


def test_a_busy_session_still_ends_at_the_absolute_time_out(client, world, clock):
    sign_in(client, world.author)
    for _ in range(8 * 6 - 1):
        clock.advance(minutes=10)
        assert signed_in(client)
    clock.advance(minutes=10)  # eight hours since signing in
    assert client.get("/my-work").status_code == 302


def test_the_idle_time_out_is_a_setting(make_app, world, clock):
    client = make_app(SESSION_IDLE_SECONDS=300).test_client()
    sign_in(client, world.author)
    clock.advance(minutes=4)
    assert signed_in(client)
    clock.advance(minutes=5)
    assert client.get("/my-work").status_code == 302


def test_a_get_records_last_use_at_most_once_a_minute_in_a_unit_of_work_apart(client, world, clock):
    sign_in(client, world.author)
    started = clock.now
    clock.advance(seconds=30)
    assert signed_in(client)
    assert last_seen(world.author) == [started]  # not written on every request
    clock.advance(minutes=2)
    assert signed_in(client)
    # Kept although a GET's own unit of work never commits (eqia/unit_of_work.py).
    assert last_seen(world.author) == [clock.now]


def test_the_list_shows_each_live_session_marks_this_one_and_ends_another(app, client, world, clock):
    other = app.test_client()
    sign_in(other, world.author, EDGE)
    clock.advance(minutes=5)
    sign_in(client, world.author, FIREFOX)
    someone_else = app.test_client()
    sign_in(someone_else, world.co_author)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Microsoft Edge" in page and "Firefox" in page and "This one" in page
    assert page.count("Sign out<span") == 2  # the co-author's session is not listed
    edge_session = min(r.id for r in db.session.execute(sa.select(UserSession).where(
        UserSession.user_id == world.author.id)).scalars())
    response = client.post(f"/account/sessions/{edge_session}/end")
    assert response.status_code == 302
    assert sessions_views.ENDED_ONE in client.get("/account/sessions").get_data(as_text=True)
    assert not signed_in(other) and signed_in(client) and signed_in(someone_else)


def test_sign_out_everywhere_else_then_everywhere(app, client, world, clock):
    others = [app.test_client() for _ in range(2)]
    for browser in others:
        sign_in(browser, world.author)
    sign_in(client, world.author)
    client.post("/account/sessions/end-others")
    assert "2 other sessions ended" in client.get("/account/sessions").get_data(as_text=True)
    assert [signed_in(b) for b in others] == [False, False]
    assert signed_in(client)
    assert client.post("/account/sessions/end-all").status_code == 302
    assert not signed_in(client)
    assert last_seen(world.author) == []


def test_ending_this_session_from_the_list_signs_this_browser_out(client, world, clock):
    sign_in(client, world.author)
    this_one = db.session.execute(sa.select(UserSession.id)).scalar_one()
    client.post(f"/account/sessions/{this_one}/end")
    assert not signed_in(client)


def test_nobody_ends_someone_elses_session(app, client, world, clock):
    victim = app.test_client()
    sign_in(victim, world.co_author)
    victims = db.session.execute(sa.select(UserSession.id)).scalar_one()
    sign_in(client, world.author)
    assert client.post(f"/account/sessions/{victims}/end").status_code == 404
    assert signed_in(victim)


@pytest.mark.parametrize("query", ["page=abc", "page=-5", "page=0", "page=99999999999999999999", "page=%00",
                                   "page=" + "9" * 5000])
def test_hostile_page_numbers_show_a_page_of_sessions(client, world, clock, query):
    sign_in(client, world.author)
    response = client.get(f"/account/sessions?{query}")
    assert response.status_code == 200 and "This one" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account/sessions/99999999999999999999/end", "/account/sessions/-1/end",
                                  "/account/sessions/abc/end", "/account/sessions/0/end"])
def test_hostile_session_ids_are_not_found(client, world, clock, path):
    sign_in(client, world.author)
    assert client.post(path).status_code in (404, 405)
    assert signed_in(client)


def test_the_list_is_paginated(app, client, world, clock):
    for _ in range(credentials.SESSIONS_PAGE_SIZE + 3):
        sign_in(app.test_client(), world.author)
    sign_in(client, world.author)
    first = client.get("/account/sessions").get_data(as_text=True)
    assert first.count("Sign out<span") == credentials.SESSIONS_PAGE_SIZE and "Page 1 of 2" in first
    second = client.get("/account/sessions?page=2").get_data(as_text=True)
    assert second.count("Sign out<span") == 4


@pytest.mark.parametrize(("user_agent", "family"), [
    (FIREFOX, "firefox"), (EDGE, "edge"), ("", "other"), (None, "other"), ("<script>" * 1000, "other"),
    ("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15", "safari"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36", "chrome"),
])
def test_the_browser_family_is_read_coarsely(user_agent, family):
    assert credentials.browser_family(user_agent) == family


def test_a_get_keeps_last_use_apart_and_commits_nothing_of_its_own(client, world, clock, commits):  # noqa: F811
    sign_in(client, world.author)
    clock.advance(minutes=5)
    before, before_apart = commits(), commits.apart()
    assert signed_in(client)
    assert (commits(), commits.apart()) == (before, before_apart + 1)
    assert signed_in(client)  # used again at once: nothing to record, nothing written
    assert (commits(), commits.apart()) == (before, before_apart + 1)
