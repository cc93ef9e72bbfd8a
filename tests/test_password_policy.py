"""The password policy (ASVS L2, length over composition) and every path that
sets a password going through it: changing your own, an e-mailed link, an
admin (eqia.admin.users) and `flask eqia create-user`."""

from __future__ import annotations

import pytest

from eqia.admin import users
from eqia.extensions import db
from eqia.models import User
from eqia.services import password_links, password_policy
from eqia.services.errors import Invalid
from tests.conftest import PASSWORD

REFUSED = {
    "eleven chars": ("abcdefghijk", password_policy.TOO_SHORT),
    "257 characters": ("correct horse " * 18 + "x" * 5, password_policy.TOO_LONG),
    "password with digits": ("Password2026!", password_policy.TOO_COMMON),
    "look-alikes": ("P4ssw0rd12345", password_policy.TOO_COMMON),
    "repeated word": ("letmeinletmein", password_policy.TOO_COMMON),
    "season and year": ("Summer2026summer", password_policy.TOO_COMMON),
    "keyboard walk": ("qwertyuiop[]", password_policy.TOO_COMMON),
    "column walk": ("1qaz2wsx3edc4rfv", password_policy.TOO_COMMON),
    "sequence": ("abcdefghijklmn", password_policy.TOO_COMMON),
    "digits in a row": ("123456789012", password_policy.TOO_COMMON),
    "one character": ("aaaaaaaaaaaaaaaa", password_policy.TOO_COMMON),
    "two characters": ("abababababababab", password_policy.TOO_COMMON),
    "own e-mail": ("jane.smith1990!", password_policy.PERSONAL),
    "own name": ("SmithJane2026", password_policy.PERSONAL),
    "the service": ("eqia-eqia-2026!", password_policy.TOO_COMMON),
    "the council": ("DemoBorough2026", password_policy.PERSONAL),
}
ACCEPTED = ["correct horse battery staple", "vK8#pL2mQz9w", "purple monkey dishwasher",
            "Tr0ub4dor&3xyz", "\u0436\u0443\u0440\u0430\u0432\u043b\u044c \u043c\u043e\u0440\u0435 \u043b\u0435\u0441",
            "xyz " + "correct horse " * 18]


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_a_guessable_password_is_refused_with_what_to_do(app, case):
    password, message = REFUSED[case]
    assert [p.message for p in password_policy.problems(password, email="jane.smith@kent.gov.uk",
                                                       name="Jane Smith")] == [message]


@pytest.mark.parametrize("password", ACCEPTED)
def test_a_long_password_of_its_own_is_accepted_whatever_its_characters(app, password):
    assert len(password) <= password_policy.PASSWORD_MAX
    assert password_policy.problems(password, email="jane.smith@kent.gov.uk", name="Jane Smith") == []


def test_the_messages_say_the_limits_and_there_is_no_composition_rule():
    assert "at least 12 characters" in password_policy.TOO_SHORT
    assert "256 characters or fewer" in password_policy.TOO_LONG
    assert password_policy.problems("no capitals or digits here") == []


def test_the_common_words_file_says_where_it_comes_from_and_lists_the_obvious():
    text = password_policy.COMMON_WORDS_FILE.read_text(encoding="utf-8")
    assert "Where this list comes from" in text
    assert {"password", "qwerty", "letmein"} <= set(password_policy.common_words())


def test_changing_your_own_password_meets_the_policy(client, auth, world):
    auth.sign_in(world.author)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                       "new_password": "Password2026!",
                                                       "confirm_password": "Password2026!"})
    assert response.status_code == 422 and password_policy.TOO_COMMON in response.data.decode()


def test_an_admin_setting_a_password_meets_the_policy(app, world):
    with pytest.raises(Invalid) as refused:
        users.save_user(world.author.email, world.author.name, ["author"], "author.author2026")
    assert str(refused.value) == password_policy.PERSONAL
    db.session.rollback()
    assert db.session.get(User, world.author.id).check_password(PASSWORD)


def test_create_user_meets_the_policy(runner, world):
    result = runner.invoke(args=["eqia", "create-user", "--email", "new@example.test", "--name", "New Person", "--role",
                                 "author", "--password-stdin"], input="qwertyuiop123\n")
    assert result.exit_code != 0 and password_policy.TOO_COMMON in result.output
    assert db.session.query(User).filter_by(email="new@example.test").count() == 0


def test_a_password_link_meets_the_policy(app, world):
    token = password_links.issue(world.author, password_links.RESET)
    with pytest.raises(Invalid) as refused:
        password_links.set_password(token, "letmein letmein", "letmein letmein")
    assert [p.message for p in refused.value.problems] == [password_policy.TOO_COMMON]
