"""Administration in the browser (issue 17): directorates and services, people's
accounts, the notifications set aside and the configuration, for admins only,
every change on the audit trail as facts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.admin import accounts, directorates, failed_notifications
from eqia.admin.accounts import UserFilter
from eqia.extensions import db
from eqia.models import (ApiToken, Assessment, AuditEvent, Directorate, LeadDirectorate, OutboxMessage, ServiceArea, User,
                         UserSession, utcnow)
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.services.errors import Forbidden, Invalid, NotFound, NotPossible
from eqia.services.workflow import perform_transition
from eqia.tasks.queue import queue_for
from tests.conftest import PASSWORD
from tests.test_api import Api
from tests.test_my_actions import Queries

ADMIN_PAGES = ("/admin", "/admin/directorates", "/admin/users", "/admin/notifications/failed",
               "/admin/configuration")


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


def admin_events(change: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == f"admin:{change}")
                                   .order_by(AuditEvent.seq)).scalars())


def fresh(model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


# ------------------------------------------------------------ who may use the pages
def test_only_an_admin_reaches_the_administration_pages_and_sees_the_link(client, auth, world):
    for user in (world.author, world.lead, world.decider):
        auth.sign_in(user)
        for url in ADMIN_PAGES:
            assert client.get(url).status_code == 403, (user.email, url)
        assert client.post("/admin/directorates", data={"name": "Sneaky"}).status_code == 403
        assert not page(client.get("/my-work")).select(".govuk-service-navigation a[href='/admin']")
        auth.sign_out()
    assert client.get("/admin/users").status_code == 302  # to sign in
    auth.sign_in(world.admin)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url
    assert page(client.get("/my-work")).select_one(
        ".govuk-service-navigation a[href='/admin']").get_text(strip=True) == "Administration"
    assert db.session.execute(sa.select(Directorate).where(Directorate.name == "Sneaky")).first() is None


# ------------------------------------------------------------ directorates and services
def test_a_directorate_is_created_renamed_and_retired_on_the_record(client, auth, world):
    auth.sign_in(world.admin)
    made = client.post("/admin/directorates", data={"name": "  Children, Young People and Education  "})
    assert made.status_code == 302
    found = db.session.execute(sa.select(Directorate).where(
        Directorate.name == "Children, Young People and Education")).scalar_one()
    assert client.post(f"/admin/directorates/{found.id}", data={"name": "Children and Families"}).status_code == 302
    assert client.post(f"/admin/directorates/{found.id}/retire").status_code == 302
    found = fresh(Directorate, found.id)
    assert found.name == "Children and Families" and found.retired
    [created] = admin_events("directorate_created")
    [renamed] = admin_events("directorate_renamed")
    [retired] = admin_events("directorate_retired")
    assert created.kind == "admin" and created.actor_id == world.admin.id and created.role == ADMIN
    assert renamed.details == {"change": "directorate_renamed", "directorate": found.id,
                               "from": "Children, Young People and Education", "to": "Children and Families"}
    assert renamed.comment == "Directorate renamed from Children, Young People and Education to Children and Families"
    assert retired.comment == "Directorate retired: Children and Families"
    listed = page(client.get("/admin/directorates")).select_one("#directorates")
    assert "Children and Families" in listed.get_text() and "Retired" in listed.get_text()


def test_a_retired_directorate_stays_on_its_assessments_but_is_not_offered_for_new_ones(client, auth, world):
    assessment = world.make_assessment()
    directorates.retire_directorate(world.admin, fresh(Directorate, world.directorate.id))
    db.session.commit()
    auth.sign_in(world.author)
    offered = [o.get_text() for o in page(client.get("/assessments/new")).select("#directorate_id option")]
    assert "Adult Social Care" not in offered
    count = db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one()
    refused = client.post("/assessments/new", data={"title": "A new library", "directorate_id": world.directorate.id})
    assert "Select a directorate from the list" in errors_of(refused)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == count
    assert "Adult Social Care" in page(client.get(f"/assessments/{assessment.id}")).get_text()
    details = page(client.get(f"/assessments/{assessment.id}/details"))
    assert "Adult Social Care" in [o.get_text() for o in details.select("#directorate_id option")]


def test_names_are_unique_among_live_directorates_only(world):
    with pytest.raises(Invalid) as taken:
        directorates.create_directorate(world.admin, "adult social care")
    assert taken.value.problems[0].message == directorates.DIRECTORATE_NAME_TAKEN
    directorates.retire_directorate(world.admin, world.directorate)
    db.session.commit()
    again = directorates.create_directorate(world.admin, "Adult Social Care")
    db.session.commit()
    assert again.id != world.directorate.id
    # An import naming it finds the live one.
    assert directorates.by_name("Adult Social Care").id == again.id
    with pytest.raises(NotPossible):
        directorates.rename_directorate(world.admin, fresh(Directorate, world.directorate.id), "Old")


def test_services_belong_to_a_directorate_and_retire(client, auth, world):
    auth.sign_in(world.admin)
    url = f"/admin/directorates/{world.directorate.id}/services"
    assert client.post(url, data={"name": "Day care"}).status_code == 302
    twice = client.post(url, data={"name": "DAY CARE"})
    assert twice.status_code == 422 and errors_of(twice) == [directorates.SERVICE_NAME_TAKEN]
    assert client.post(f"/admin/directorates/{world.other_directorate.id}/services",
                       data={"name": "Day care"}).status_code == 302
    service = db.session.execute(sa.select(ServiceArea).where(
        ServiceArea.directorate_id == world.directorate.id)).scalar_one()
    assert client.post(f"/admin/services/{service.id}", data={"name": "Day opportunities"}).status_code == 302
    assert client.post(f"/admin/services/{service.id}/retire").status_code == 302
    service = fresh(ServiceArea, service.id)
    assert service.name == "Day opportunities" and service.retired
    assert client.post(url, data={"name": "Day opportunities"}).status_code == 302  # the name is free again
    assert [e.comment for e in admin_events("service_retired")] == ["Service retired: Day opportunities"]
    shown = page(client.get(f"/admin/directorates/{world.directorate.id}")).select_one("#services").get_text()
    assert "Day opportunities" in shown and "Retired" in shown
    assert client.get("/admin/services/2147483647").status_code == 404


HOSTILE_NAMES = [
    ("", "Enter the name of the {what}"),
    ("   ", "Enter the name of the {what}"),
    ("x" * 201, "The name must be 200 characters or fewer"),
    ("bad\x00name", "Remove the null character (\\0) from this answer: it cannot be stored"),
]


@pytest.mark.parametrize("value,message", HOSTILE_NAMES)
def test_every_name_form_refuses_bad_input_with_a_message_and_saves_nothing(client, auth, world, value, message):
    service = directorates.create_service(world.admin, world.directorate, "Libraries")
    db.session.commit()
    auth.sign_in(world.admin)
    before = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    for url, what in (("/admin/directorates", "directorate"),
                      (f"/admin/directorates/{world.directorate.id}", "directorate"),
                      (f"/admin/directorates/{world.directorate.id}/services", "service"),
                      (f"/admin/services/{service.id}", "service")):
        refused = client.post(url, data={"name": value})
        assert refused.status_code == 422, url
        assert errors_of(refused) == [message.format(what=what)], url
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one() == before
    assert fresh(Directorate, world.directorate.id).name == "Adult Social Care"


def test_a_hostile_name_is_stored_verbatim_and_shown_escaped(client, auth, world):
    hostile = '<script>alert("x")</script> & \u202eevil \U0001F600'
    auth.sign_in(world.admin)
    assert client.post("/admin/directorates", data={"name": hostile}).status_code == 302
    stored = db.session.execute(sa.select(Directorate).where(Directorate.name == hostile)).scalar_one()
    listing = client.get("/admin/directorates").get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;alert" in listing
    assert client.post(f"/admin/directorates/{stored.id}/services", data={"name": hostile}).status_code == 302
    assert "<script>alert" not in client.get(f"/admin/directorates/{stored.id}").get_data(as_text=True)
    assert client.post("/admin/directorates/99999999999999999999/retire").status_code == 404


# ------------------------------------------------------------ people
def test_users_are_found_by_role_directorate_account_and_name_or_address(client, auth, world):
    gone = world.make_user("gone_100%@example.test", AUTHOR, commit=True)
    accounts.deactivate(world.admin, gone)
    db.session.commit()
    assert {u.email for u in accounts.page_of_users(UserFilter(role=EQUALITY_LEAD), 1).items} == {
        "lead@example.test", "lead2@example.test"}
    assert [u.email for u in accounts.page_of_users(UserFilter(directorate_id=world.other_directorate.id),
                                                    1).items] == ["outsider@example.test"]
    assert [u.email for u in accounts.page_of_users(UserFilter(active="inactive"), 1).items] == [gone.email]
    # LIKE's wildcards are searched for as themselves.
    assert [u.email for u in accounts.page_of_users(UserFilter(text="_100%"), 1).items] == [gone.email]
    assert accounts.page_of_users(UserFilter(text="%"), 1).total == 1
    assert {u.email for u in accounts.page_of_users(UserFilter(text="DECIDER"), 1).items} == {
        "decider@example.test", "decider2@example.test"}
    auth.sign_in(world.admin)
    shown = page(client.get("/admin/users?role=equality_lead&q=lead2"))
    assert [a.get_text() for a in shown.select("#users tbody a")] == ["Lead2"]
    for hostile in ("?role=<script>", "?directorate=99999999999999999999", "?directorate=\u00b2",
                    "?active=maybe", "?q=" + "x" * 5000, "?q=%00", "?page=-4", "?page=99999999999999999999"):
        assert client.get("/admin/users" + hostile).status_code == 200, hostile


def test_an_admin_never_changes_their_own_roles_and_the_last_admin_stays(client, auth, world):
    with pytest.raises(Forbidden) as own:
        accounts.change_roles(world.admin, world.admin, [ADMIN, DECISION_MAKER])
    assert own.value.problems[0].message == accounts.OWN_ROLES
    other = world.make_user("other-admin@example.test", ADMIN, commit=True)
    with pytest.raises(Forbidden):
        accounts.change_roles(other, other, [])
    accounts.change_roles(other, world.admin, [AUTHOR])
    db.session.commit()
    # `other` is now the only active admin: nobody can take the role away or deactivate them.
    with pytest.raises(NotPossible) as last:
        accounts.change_roles(world.admin, other, [AUTHOR])
    assert last.value.problems[0].message == accounts.LAST_ADMIN_ROLE
    with pytest.raises(Forbidden):
        accounts.deactivate(other, other)
    assert accounts.OWN_ACCOUNT
    third = world.make_user("third-admin@example.test", ADMIN, commit=True)
    accounts.deactivate(third, other)
    db.session.commit()
    with pytest.raises(NotPossible) as only:
        accounts.deactivate(world.admin, third)
    assert only.value.problems[0].message == accounts.LAST_ADMIN_DEACTIVATE
    # On the page, the admin's own roles are not offered, and a forged post changes nothing.
    auth.sign_in(third)
    assert not page(client.get(f"/admin/users/{third.id}")).select("input[name=roles]")
    client.post(f"/admin/users/{third.id}", data={"roles": [AUTHOR], "directorate_id": ""})
    assert fresh(User, third.id).roles == {ADMIN}


def test_a_role_granted_gives_no_way_round_the_workflows_rules(world):
    """Segregation of duties is read from who took part, not from roles: the author
    made a decision-maker afterwards still cannot sign their own assessment off."""
    assessment = world.make_assessment(author=world.author)
    world.drive(assessment, "awaiting_sign_off")
    accounts.change_roles(world.admin, world.author, [AUTHOR, DECISION_MAKER])
    db.session.commit()
    with pytest.raises(Forbidden):
        perform_transition(assessment.id, "sign_off", fresh(User, world.author.id), attested=True,
                           password=PASSWORD)


def test_the_user_page_saves_roles_directorate_and_coverage_all_or_nothing(client, auth, world):
    auth.sign_in(world.admin)
    url = f"/admin/users/{world.author.id}"
    saved = client.post(url, data={"roles": [AUTHOR, EQUALITY_LEAD], "directorate_id": world.other_directorate.id,
                                   "covers": [world.directorate.id]})
    assert saved.status_code == 302
    author = fresh(User, world.author.id)
    assert author.roles == {AUTHOR, EQUALITY_LEAD} and author.directorate_id == world.other_directorate.id
    assert [d.name for d in accounts.covered_directorates(author)] == ["Adult Social Care"]
    assert [e.comment for e in admin_events("roles_changed")] == [
        "Roles of author@example.test changed from author to author, equality_lead"]
    assert [e.comment for e in admin_events("coverage_changed")] == [
        "Directorates author@example.test covers as equality lead changed from none to Adult Social Care"]
    # A refusal in any part leaves every part as it was.
    for data, message in (
            ({"roles": [AUTHOR], "directorate_id": world.directorate.id, "covers": [world.directorate.id]},
             accounts.COVERAGE_NOT_LEAD),
            ({"roles": [AUTHOR, EQUALITY_LEAD], "directorate_id": "99999999999999", "covers": []},
             accounts.UNKNOWN_DIRECTORATE),
            ({"roles": ["superuser"], "directorate_id": "", "covers": []}, accounts.UNKNOWN_ROLE),
            ({"roles": [AUTHOR, EQUALITY_LEAD], "directorate_id": "", "covers": ["x", "\x00"]},
             accounts.UNKNOWN_DIRECTORATE)):
        refused = client.post(url, data=data)
        assert refused.status_code == 422 and errors_of(refused) == [message], data
        author = fresh(User, world.author.id)
        assert author.roles == {AUTHOR, EQUALITY_LEAD} and author.directorate_id == world.other_directorate.id
        assert [d.name for d in accounts.covered_directorates(author)] == ["Adult Social Care"]
    assert client.post("/admin/users/2147483647", data={}).status_code == 404


def test_a_lead_covering_directorates_is_queued_their_assessments_and_one_covering_none_all(client, auth, world):
    ours = world.make_assessment("challenge", author=world.author)
    auth.sign_in(world.lead)

    def queued() -> bool:
        links = page(client.get("/my-work")).select("a[href^='/assessments/']")
        return f"/assessments/{ours.id}" in {a["href"].split("?")[0] for a in links}

    assert queued()  # covering none: the whole council
    accounts.change_coverage(world.admin, fresh(User, world.lead.id), [world.other_directorate.id])
    db.session.commit()
    assert not queued()
    accounts.change_coverage(world.admin, fresh(User, world.lead.id), [world.other_directorate.id,
                                                                     world.directorate.id])
    db.session.commit()
    assert queued()


def test_deactivation_ends_a_live_session_and_an_api_token_at_once_and_keeps_history(client, auth, world, app):
    assessment = world.make_assessment(author=world.author)
    api = Api(app.test_client()).as_user(world.author)
    auth.sign_in(world.author)
    assert client.get("/my-work").status_code == 200
    assert api.get("/assessments").status_code == 200
    admin_client = app.test_client()
    admin_client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD})
    done = admin_client.post(f"/admin/users/{world.author.id}/deactivate")
    assert done.status_code == 302
    assert client.get("/my-work").status_code == 302  # signed out, at once
    assert api.get("/assessments").status_code == 401
    assert db.session.execute(sa.select(UserSession).where(UserSession.user_id == world.author.id)).first() is None
    assert all(t.revoked_at for t in db.session.execute(sa.select(ApiToken)).scalars())
    [event] = admin_events("deactivated")
    assert event.details["sessions"] == 1 and event.details["tokens"] == 1
    # What they did stays theirs.
    creator = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
                                 .order_by(AuditEvent.seq)).scalars().first()
    assert creator.actor_id == world.author.id
    assert admin_client.post(f"/admin/users/{world.author.id}/reactivate").status_code == 302
    assert fresh(User, world.author.id).active
    assert api.get("/assessments").status_code == 401  # the old token stays revoked
    assert [e.comment for e in admin_events("reactivated")] == ["author@example.test reactivated"]


# ------------------------------------------------------------ notifications set aside
def _set_aside(world, recipients: list[str]) -> list[int]:
    world.make_assessment()
    messages = [OutboxMessage(recipient=r, subject=f"Message {n}", body=f"Body {n}", failed_at=utcnow(),
                              attempts=10, failure="refused", smtp_code=550, last_error="<b>mailbox unavailable</b>")
                for n, r in enumerate(recipients, 1)]
    db.session.add_all(messages)
    db.session.commit()
    return [m.id for m in messages]


def test_failed_notifications_are_listed_and_tried_again_with_a_delivery_queued(client, auth, world, app):
    ids = _set_aside(world, ["one@example.test", "two@example.test", "three@example.test"])
    auth.sign_in(world.admin)
    shown = client.get("/admin/notifications/failed")
    text = page(shown).select_one("#failed").get_text()
    assert "one@example.test" in text and "the mail server refused it (550)" in text and "Message 1" in text
    assert "<b>mailbox" not in shown.get_data(as_text=True)
    pending = queue_for(app).huey.pending_count()
    assert client.post(f"/admin/notifications/failed/{ids[0]}/retry").status_code == 302
    assert queue_for(app).huey.pending_count() == pending + 1
    first = fresh(OutboxMessage, ids[0])
    assert first.failed_at is None and first.attempts == 0
    # Not failed (any more), or no such message: refused, nothing changed.
    assert client.post(f"/admin/notifications/failed/{ids[0]}/retry").status_code == 404
    assert client.post("/admin/notifications/failed/2147483647/retry").status_code == 404
    assert client.post("/admin/notifications/failed/retry-shown",
                       data={"message": [str(i) for i in ids[1:]] + ["bad", "\x00"]}).status_code == 302
    assert failed_notifications.page_of_failed(1).total == 0
    assert [e.details["count"] for e in admin_events("notifications_retried")] == [1, 2]


# ------------------------------------------------------------ configuration
def test_the_configuration_shows_workflows_profile_and_settings_never_secrets(client, auth, world, app,
                                                                             monkeypatch):
    monkeypatch.setenv("EQIA_CHALLENGE_WAITING_DAYS", "5")
    auth.sign_in(world.admin)
    shown = page(client.get("/admin/configuration"))
    assert "standard" in shown.select_one("#workflows").get_text()
    assert "england" in shown.select_one("#profile").get_text()
    rows = {r.select("td")[0].get_text(): [c.get_text() for c in r.select("td")[1:]]
            for r in shown.select("#settings tbody tr")}
    assert rows["EQIA_CHALLENGE_WAITING_DAYS"] == ["5", "Environment variable"]
    assert rows["SMTP_FROM"][1] in ("Default", "Environment variable")
    assert rows["SECRET_KEY"][0] == "Set" and rows["EQIA_PDF_SIGNING_KEY"][0] == "Not set"
    html = client.get("/admin/configuration").get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in html and app.config["EQIA_AUDIT_KEY"] not in html


# ------------------------------------------------------------ queries per page
def test_each_admin_list_takes_the_same_number_of_queries_however_many_rows(client, auth, world):
    auth.sign_in(world.admin)

    def counted(url: str) -> int:
        with Queries() as queries:
            assert client.get(url).status_code == 200
        return queries.count

    urls = ("/admin/users", "/admin/directorates", "/admin/notifications/failed")
    _set_aside(world, ["first@example.test"])
    before = [counted(url) for url in urls]
    for n in range(30):
        made = Directorate(name=f"Directorate {n}")
        db.session.add(made)
        db.session.flush()
        db.session.add(ServiceArea(directorate_id=made.id, name=f"Service {n}"))
        world.make_user(f"person{n}@example.test", AUTHOR, EQUALITY_LEAD, directorate=made)
    db.session.commit()
    _set_aside(world, [f"r{n}@example.test" for n in range(30)])
    assert [counted(url) for url in urls] == before
    assert db.session.execute(sa.select(sa.func.count()).select_from(LeadDirectorate)).scalar_one() == 0


def test_the_users_page_offers_an_invitation_and_marks_who_has_not_set_a_password(client, auth, world):
    from eqia.services.invitations import Invitation, invite

    invite(world.admin, Invitation(name="Nia Jones", email="nia@example.test", roles=(AUTHOR,), directorate_id=None))
    db.session.commit()
    auth.sign_in(world.admin)
    shown = page(client.get("/admin/users"))
    assert shown.select_one("a.govuk-button[href='/admin/users/invite']").get_text(strip=True) == "Invite a user"
    status = {tr.select_one("td a").get_text(strip=True): tr.select("td")[-1].get_text(strip=True)
              for tr in shown.select("#users tbody tr")}
    assert status["Nia Jones"] == "Invited"
    assert status[world.author.name] == "Active"


def test_an_invitation_offers_and_accepts_only_live_directorates(client, auth, world):
    from eqia.services.invitations import DIRECTORATE_UNKNOWN, Invitation, invite

    gone = directorates.create_directorate(world.admin, "Old Libraries")
    directorates.retire_directorate(world.admin, gone)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        invite(world.admin, Invitation(name="Nia Jones", email="nia@example.test", roles=(AUTHOR,),
                                       directorate_id=gone.id))
    assert [p.message for p in refused.value.problems] == [DIRECTORATE_UNKNOWN]
    db.session.rollback()
    auth.sign_in(world.admin)
    offered = [o.get_text(strip=True) for o in page(client.get("/admin/users/invite")).select("#directorate option")]
    assert "Old Libraries" not in offered and world.directorate.name in offered
    auth.sign_out()
    auth.sign_in(world.author)
    assert client.get("/admin/users/invite").status_code == 403
