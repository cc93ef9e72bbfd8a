"""User administration (eqia.admin.users), as the `flask eqia create-user`
command uses it: a new user, or new roles and a new password for an existing
one, which ends everything the old password opened."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.admin import users
from eqia.extensions import db
from eqia.models import ApiToken, Directorate, User
from eqia.services import password_policy, tokens
from eqia.services.errors import Invalid
from tests.conftest import PASSWORD


def test_an_admin_creates_a_user_in_a_new_directorate(app, world):
    saved = users.save_user(" New.Lead@Example.test ", "New Lead", ["equality_lead", "decision_maker"],
                            "a long enough password", directorate="Housing")
    db.session.commit()
    assert saved.created and saved.tokens_revoked == 0
    assert saved.summary() == "Created new.lead@example.test (decision_maker, equality_lead)."
    user = users.find_user("NEW.LEAD@example.test")
    assert user is saved.user and user.name == "New Lead" and user.directorate.name == "Housing"
    assert user.roles == {"equality_lead", "decision_maker"} and user.check_password("a long enough password")


def test_saving_an_existing_user_changes_roles_and_password_and_revokes_their_tokens(app, world):
    tokens.create_token(world.author, "Committee papers")
    saved = users.save_user(world.author.email, "Author Renamed", ["author", "equality_lead"],
                            "a brand new password", directorate=world.directorate.name)
    db.session.commit()
    assert not saved.created and saved.tokens_revoked == 1
    assert saved.summary() == ("Updated author@example.test (author, equality_lead): new password set, so they "
                               "are signed out everywhere; 1 API token revoked.")
    db.session.expire_all()
    author = db.session.get(User, world.author.id)
    assert author.name == "Author Renamed" and author.roles == {"author", "equality_lead"}
    assert author.check_password("a brand new password") and not author.check_password(PASSWORD)
    assert db.session.execute(sa.select(ApiToken.revoked_at)).scalar_one() is not None
    # The directorate was found, not made again.
    assert db.session.execute(sa.select(sa.func.count()).select_from(Directorate)).scalar_one() == 2


@pytest.mark.parametrize("email,password,message", [
    ("x@example.test", "short", "Enter a password of at least 12 characters"),
    ("x@example.test", "Password2026!", password_policy.TOO_COMMON),
    ("not an address", "a long enough password", "Give a valid email address."),
    ("x@" + "e" * 320, "a long enough password", "Give a valid email address."),
])
def test_a_bad_email_or_short_password_is_refused_and_nothing_saved(app, world, email, password, message):
    before = db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()
    with pytest.raises(Invalid) as refused:
        users.save_user(email, "X", ["author"], password)
    assert str(refused.value) == message
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == before
