"""Two admins at once: a name or an address checked free and then written can be
taken in between by another request. The race is made for real: just before our
request writes, another connection commits the clashing row and the database's
unique index refuses our write. The second admin then gets the same form error
as for any name already taken, nothing of theirs saved, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.admin import directorates, users
from eqia.extensions import db
from eqia.models import AuditEvent, Directorate, PasswordLink, ServiceArea, User
from eqia.roles import AUTHOR
from eqia.services import invitations
from eqia.services.errors import Invalid
from eqia.unit_of_work import unit_of_work


@contextmanager
def another_admin_commits_first(sql_begins: str, table: sa.Table, **row) -> Iterator[list[str]]:
    """While the block runs, the first statement our app sends that begins with `sql_begins` is preceded by
    `row` inserted into `table` and committed through an engine and connection of their own (another
    request of another worker). Yields the statements it raced, to show the race happened."""
    other = sa.create_engine(db.engine.url)
    raced: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not raced and statement.lstrip().upper().startswith(sql_begins.upper()):
            raced.append(statement)
            with other.begin() as connection:
                connection.execute(table.insert().values(**row))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield raced
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        other.dispose()


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def said(response) -> tuple[list[str], str]:
    """The error summary's items and the name or email field's own error."""
    found = page(response)
    field = found.select_one(".govuk-error-message")
    return ([item.get_text(strip=True) for item in found.select(".govuk-error-summary__list li")],
            field.get_text(" ", strip=True) if field else "")


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def admin_events() -> int:
    return count(AuditEvent, AuditEvent.kind == "admin")


def test_a_directorate_added_by_two_admins_at_once_is_added_once_and_the_second_told_it_exists(
        client, auth, world):
    auth.sign_in(world.admin)
    events = admin_events()
    with another_admin_commits_first("INSERT INTO directorate", Directorate.__table__, name="Libraries") as raced:
        response = client.post("/admin/directorates", data={"name": "Libraries"})
    assert raced
    assert response.status_code == 422
    summary, field = said(response)
    assert summary == [directorates.DIRECTORATE_NAME_TAKEN] and directorates.DIRECTORATE_NAME_TAKEN in field
    assert count(Directorate, Directorate.name == "Libraries") == 1
    assert admin_events() == events
    # What the ordinary check says, when the other admin was quicker still.
    again = client.post("/admin/directorates", data={"name": "Libraries"})
    assert again.status_code == 422 and said(again)[0] == summary


def test_two_admins_adding_one_name_in_two_cases_at_once_add_it_once(client, auth, world):
    # The pages refuse "LIBRARIES" beside "Libraries"; so does the index (migration 0031), for a race.
    auth.sign_in(world.admin)
    with another_admin_commits_first("INSERT INTO directorate", Directorate.__table__, name="LIBRARIES") as raced:
        response = client.post("/admin/directorates", data={"name": "Libraries"})
    assert raced and response.status_code == 422
    assert said(response)[0] == [directorates.DIRECTORATE_NAME_TAKEN]
    assert count(Directorate, sa.func.lower(Directorate.name) == "libraries") == 1
    service = ServiceArea.__table__
    with another_admin_commits_first("INSERT INTO service_area", service, name="MOBILE LIBRARY",
                                     directorate_id=world.other_directorate.id) as raced:
        response = client.post(f"/admin/directorates/{world.other_directorate.id}/services",
                               data={"name": "Mobile library"})
    assert raced and response.status_code == 422
    assert count(ServiceArea, sa.func.lower(ServiceArea.name) == "mobile library") == 1


def test_a_directorate_renamed_to_a_name_taken_meanwhile_keeps_its_name_and_records_nothing(client, auth, world):
    auth.sign_in(world.admin)
    events = admin_events()
    with another_admin_commits_first("UPDATE directorate", Directorate.__table__, name="Libraries") as raced:
        response = client.post(f"/admin/directorates/{world.other_directorate.id}", data={"name": "Libraries"})
    assert raced and response.status_code == 422
    assert said(response)[0] == [directorates.DIRECTORATE_NAME_TAKEN]
    assert db.session.get(Directorate, world.other_directorate.id).name == "Highways"
    assert count(Directorate, Directorate.name == "Libraries") == 1
    assert admin_events() == events


def test_a_service_added_or_renamed_at_once_by_two_admins_is_refused_the_second_time(client, auth, world):
    auth.sign_in(world.admin)
    directorate_id = world.directorate.id
    events = admin_events()
    with another_admin_commits_first("INSERT INTO service_area", ServiceArea.__table__,
                                     directorate_id=directorate_id, name="Libraries") as raced:
        response = client.post(f"/admin/directorates/{directorate_id}/services", data={"name": "Libraries"})
    assert raced and response.status_code == 422
    assert said(response)[0] == [directorates.SERVICE_NAME_TAKEN]
    assert count(ServiceArea, ServiceArea.name == "Libraries") == 1

    museums = directorates.create_service(world.admin, db.session.get(Directorate, directorate_id), "Museums")
    db.session.commit()
    events = admin_events()
    with another_admin_commits_first("UPDATE service_area", ServiceArea.__table__,
                                     directorate_id=directorate_id, name="Archives") as raced:
        response = client.post(f"/admin/services/{museums.id}", data={"name": "Archives"})
    assert raced and response.status_code == 422
    assert said(response)[0] == [directorates.SERVICE_NAME_TAKEN]
    assert db.session.get(ServiceArea, museums.id).name == "Museums"
    assert count(ServiceArea, ServiceArea.name == "Archives") == 1
    assert admin_events() == events


INVITED = "priya.shah@example.test"


def invite(client):
    return client.post("/admin/users/invite", data={"name": "Priya Shah", "email": INVITED, "roles": [AUTHOR],
                                                    "directorate": ""})


@pytest.mark.parametrize("password_hash,message", [
    ("set-by-the-command-line", invitations.ACCOUNT_EXISTS),  # what inviting them a moment later says
    ("", invitations.ACCOUNT_JUST_MADE),  # invited by another admin: check before inviting them again
])
def test_a_person_invited_while_another_account_takes_their_address_is_not_invited_twice(
        client, auth, world, password_hash, message):
    auth.sign_in(world.admin)
    with another_admin_commits_first("INSERT INTO user_account", User.__table__, email=INVITED,
                                     name="Priya S", password_hash=password_hash, active=True) as raced:
        response = invite(client)
    assert raced and response.status_code == 422
    summary, field = said(response)
    assert summary == [message.format(email=INVITED)] and INVITED in field
    assert count(User, User.email == INVITED) == 1
    assert db.session.execute(sa.select(User.name).where(User.email == INVITED)).scalar_one() == "Priya S"
    assert count(PasswordLink) == 0


def test_the_command_line_creating_a_user_taken_meanwhile_saves_nothing_and_says_so(app, world):
    email = "new.lead@example.test"
    with pytest.raises(Invalid) as refused:
        with another_admin_commits_first("INSERT INTO user_account", User.__table__, email=email,
                                         name="Someone Else", password_hash="x", active=True) as raced:
            with unit_of_work():
                users.save_user(email, "New Lead", ["equality_lead"], "a long enough password")
    assert raced
    assert str(refused.value) == users.SAVED_MEANWHILE.format(email=email)
    assert db.session.execute(sa.select(User.name).where(User.email == email)).scalar_one() == "Someone Else"
    assert count(User, User.email == email) == 1
