"""Your account, notifications and the administration pages in Welsh: the words are
the catalogue's, none of the English wrapped on these pages is left in their main
content, and the language chosen on the account is kept on it."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.catalogue import read
from eqia.extensions import db
from eqia.i18n import COOKIE
from eqia.models import OutboxMessage, ServiceArea, User, utcnow
from eqia.notifications import kinds
from tests.conftest import PASSWORD
from tests.test_notifications_page import remind
from tests.test_second_factor import code_for
from tests.test_sessions import clock  # noqa: F401  (a fixture)

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database

# The catalogue's English, by where it is written: what each page must no longer show in Welsh.
CATALOGUE = read()


def english_of(*places: str) -> list[str]:
    """The whole sentences (two words or more, no placeholder or markup) wrapped in these files."""
    found = []
    for message in CATALOGUE:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.id and any(f.startswith(places) for f, _ in message.locations):
            found += [i for i in ids if " " in i and "%(" not in i and "{" not in i and "<" not in i]
    return found


ACCOUNT_WORDS = ("templates/account.html", "eqia/views/account.py", "forms/tokens.py")
ADMIN_WORDS = ("templates/admin/", "forms/admin.py", "forms/invitations.py")


def main_text(response) -> str:
    """The text of the page's main content (the header and footer are the layout's), as read."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    main = soup.select_one("main") or soup
    for hidden in main.select("script, style"):
        hidden.decompose()
    return re.sub(r"\s+", " ", unescape(main.get_text(" ")))


def no_english(response, *places: str) -> None:
    text = main_text(response)
    left = [e for e in english_of(*places) if re.search(rf"(?<!\w){re.escape(e)}(?!\w)", text)]
    assert not left, left


def in_welsh(user: User) -> None:
    user.language = "cy"
    db.session.commit()


def welsh_page(client, url: str, *words: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, url
    html = response.get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert "&lt;p" not in html and "&lt;span" not in html  # markup joined to a translation stays markup
    text = main_text(response)
    for word in words:
        assert word in text, (url, word)
    return response


# ------------------------------------------------------------ your account
def test_the_account_page_is_in_welsh_and_shows_the_language_chosen(client, auth, world):
    in_welsh(world.author)
    auth.sign_in(world.author)
    client.post("/account/tokens", data={"label": "System papurau"})
    page = welsh_page(client, "/account", "Eich cyfrif", "Cyfeiriad e-bost", "Iaith", "Cymraeg", "Tocynnau API",
                      "Dilysu dau ffactor", "Ble rydych wedi mewngofnodi", "Creu tocyn", "Eich tocynnau")
    no_english(page, *ACCOUNT_WORDS)
    assert "API tokens" not in main_text(page) and "Your account" not in main_text(page)


def test_a_refused_token_name_is_refused_in_welsh(client, auth, world):
    in_welsh(world.author)
    auth.sign_in(world.author)
    refused = client.post("/account/tokens", data={"label": ""})
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Rhowch enw i’r tocyn, fel y system a fydd yn ei ddefnyddio" in text
    assert "Give the token a name" not in text


def test_the_language_is_chosen_on_the_account_and_kept_there(client, auth, world, app):
    auth.sign_in(world.author)
    english = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    assert "Not chosen: follows your browser" in english.select_one(".govuk-summary-list").get_text()
    # Both languages offered, each named in itself, through the switch's own route.
    offered = {form["action"]: form.button.get_text(strip=True)
               for form in english.select("#language ~ .govuk-button-group form")}
    assert offered == {"/language/en?next=/account": "Use English", "/language/cy?next=/account": "Defnyddio’r Gymraeg"}

    chosen = client.post("/language/cy?next=/account")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/account")
    db.session.expire_all()
    assert db.session.get(User, world.author.id).language == "cy"
    welsh = welsh_page(client, "/account", "Iaith", "Cymraeg", "Use English")
    assert "Defnyddio’r Gymraeg" not in main_text(welsh) and "Not chosen" not in main_text(welsh)

    # A new session, in a browser that has never seen the switch or its cookie: still Welsh.
    other = app.test_client()
    other.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
    assert other.get_cookie(COOKIE) is None
    welsh_page(other, "/account", "Eich cyfrif")
    welsh_page(other, "/notifications", "Hysbysiadau")
    welsh_page(other, "/account/notifications", "Gosodiadau hysbysiadau")

    client.post("/language/en?next=/account")
    assert "Your account" in main_text(client.get("/account"))
    db.session.expire_all()
    assert db.session.get(User, world.author.id).language == "en"


def test_a_language_not_offered_is_refused_and_nothing_changes(client, auth, world):
    in_welsh(world.author)
    auth.sign_in(world.author)
    assert client.post("/language/fr?next=/account").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, world.author.id).language == "cy"


def test_password_sessions_and_two_factor_pages_in_welsh(client, auth, world):
    in_welsh(world.author)
    auth.sign_in(world.author)
    page = welsh_page(client, "/account/password", "Newid eich cyfrinair", "Yn ôl i’ch cyfrif")
    no_english(page, "templates/account_password.html")
    page = welsh_page(client, "/account/sessions", "Ble rydych wedi mewngofnodi", "Eich sesiynau",
                      "Yr un hon", "Allgofnodi ym mhobman arall")
    no_english(page, "templates/account_sessions.html")
    page = welsh_page(client, "/account/two-factor", "Dilysu dau ffactor", "Sefydlu dilysu dau ffactor")
    no_english(page, "templates/account_two_factor.html")
    client.post("/account/two-factor/start")
    page = welsh_page(client, "/account/two-factor", "Rhowch y cod y mae’r ap yn ei ddangos wedyn.",
                      "Mae eich ap yn gofyn am ddolen yn lle hynny")
    no_english(page, "templates/account_two_factor.html")
    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "Rhowch y cod 6 digid y mae eich ap dilysu yn ei ddangos nawr ar gyfer y cyfrif hwn" in main_text(wrong)


def test_the_notifications_and_their_settings_in_welsh(client, auth, world):
    assessment = world.make_assessment()
    remind(world, world.author, assessment, 1)
    in_welsh(world.author)
    auth.sign_in(world.author)
    page = welsh_page(client, "/notifications", "Hysbysiadau", "1 hysbysiad", "Heb ei ddarllen",
                      "Cam gweithredu yn hwyr", "Marcio’r cyfan fel wedi’u darllen")
    no_english(page, "templates/notifications/list.html")
    page = welsh_page(client, "/account/notifications", "Gosodiadau hysbysiadau", "Gwaith yn aros amdanoch",
                      "Drwy e-bost ar unwaith", "Mewn e-bost crynhoad dyddiol", "Cadw’r gosodiadau")
    no_english(page, "templates/notifications/settings.html", "eqia/notifications/kinds.py")
    saved = client.post("/account/notifications", data={f"channel_{code}": kinds.IN_APP for code in kinds.KINDS},
                        follow_redirects=True)
    assert "Mae eich gosodiadau hysbysiadau wedi’u cadw." in main_text(saved)


# ------------------------------------------------------------ administration
@pytest.fixture
def welsh_admin(client, auth, world):
    in_welsh(world.admin)
    auth.sign_in(world.admin)
    return world.admin


def test_the_administration_pages_in_welsh(client, world, welsh_admin):
    service = ServiceArea(directorate_id=world.directorate.id, name="Gofal cartref")
    db.session.add(service)
    db.session.add(OutboxMessage(recipient="one@example.test", subject="Message 1", body="Body 1",
                                 failed_at=utcnow(), attempts=10, failure="refused", smtp_code=550))
    db.session.commit()
    pages = {
        "/admin": ("Gweinyddu", "Defnyddwyr", "Cyfarwyddiaethau a gwasanaethau", "Hysbysiadau a fethodd",
                   "Ffurfweddiad"),
        "/admin/users": ("Gwahodd defnyddiwr", "Unrhyw rôl", "Dod o hyd i ddefnyddwyr", "Gweithredol"),
        f"/admin/users/{world.author.id}": ("Cyfrif", "Rolau", "Cadw’r newidiadau", "Dadactifadu’r cyfrif",
                                            "Nid yw’n arweinydd cydraddoldeb"),
        "/admin/directorates": ("2 cyfarwyddiaeth", "Ychwanegu cyfarwyddiaeth", "Yn cael ei ddefnyddio"),
        f"/admin/directorates/{world.directorate.id}": ("Gwasanaethau", "Ychwanegu gwasanaeth",
                                                        "Ailenwi’r gyfarwyddiaeth", "Tynnu’r gyfarwyddiaeth yn ôl"),
        f"/admin/services/{service.id}": ("Gwasanaeth Adult Social Care", "Ailenwi’r gwasanaeth",
                                          "Tynnu’r gwasanaeth yn ôl"),
        "/admin/notifications/failed": ("1 hysbysiad a fethodd", "Rhowch gynnig arall arni", "Derbynnydd"),
        "/admin/configuration": ("Llifoedd gwaith", "Proffil awdurdodaeth", "Newidyn amgylchedd", "Gosodiadau"),
        "/admin/users/invite": ("Gwahodd defnyddiwr", "Enw llawn", "Cyfeiriad e-bost", "Anfon gwahoddiad",
                                "Dim cyfarwyddiaeth"),
    }
    for url, words in pages.items():
        no_english(welsh_page(client, url, *words), *ADMIN_WORDS)


def test_a_refused_administration_form_says_why_in_welsh(client, world, welsh_admin):
    refused = client.post("/admin/directorates", data={"name": ""})
    assert refused.status_code == 422
    text = main_text(refused)
    assert "Rhowch enw’r gyfarwyddiaeth" in text and "Enter the name of the directorate" not in text

    taken = client.post("/admin/directorates", data={"name": world.directorate.name})
    assert taken.status_code == 422
    assert "Mae cyfarwyddiaeth o’r enw hwnnw eisoes: rhowch enw gwahanol" in main_text(taken)

    own = client.post(f"/admin/users/{world.admin.id}/deactivate")
    assert "Ni allwch ddadactifadu eich cyfrif eich hun: rhaid i weinyddwr arall wneud hynny" in main_text(own)

    invite = client.post("/admin/users/invite", data={"name": "", "email": "", "directorate": ""})
    assert invite.status_code == 422
    text = main_text(invite)
    assert "Rhowch enw llawn yr unigolyn" in text and "Dewiswch o leiaf un rôl" in text
    assert "Enter the person’s full name" not in text


def test_an_administration_change_is_said_in_welsh(client, world, welsh_admin):
    added = client.post("/admin/directorates", data={"name": "Tai"}, follow_redirects=True)
    assert "Ychwanegwyd y gyfarwyddiaeth “Tai”." in main_text(added)
    invited = client.post("/admin/users/invite", data={"name": "Priya Shah", "email": "priya@example.test",
                                                       "roles": ["author"], "directorate": ""},
                          follow_redirects=True)
    assert "Anfonwyd gwahoddiad at priya@example.test." in main_text(invited)
    assert db.session.execute(sa.select(User).where(User.email == "priya@example.test")).scalar_one()


def test_the_setup_address_is_shown_as_an_address_not_as_markup(client, auth, world):
    in_welsh(world.author)
    auth.sign_in(world.author)
    client.post("/account/two-factor/start")
    page = BeautifulSoup(client.get("/account/two-factor").get_data(as_text=True), "html.parser")
    assert page.select_one("#totp-uri").get_text().startswith("otpauth://totp/")
    assert "Defnyddiwch y cyfeiriad hwn:" in page.select_one(".govuk-details__text").get_text()
    assert "<p" not in page.select_one(".govuk-details__text").get_text()


# ------------------------------------------------------------ the second factor
TWO_FACTOR_WORDS = ("templates/account_two_factor.html", "templates/auth/sign_in_code.html",
                    "forms/second_factor.py", "eqia/services/second_factor.py", "eqia/views/second_factor.py")


def test_the_second_factors_refusals_are_in_welsh(client, auth, world, clock):
    in_welsh(world.author)
    auth.sign_in(world.author)
    client.post("/account/two-factor/start")
    refused = client.post("/account/two-factor/confirm", data={"code": ""})
    assert refused.status_code == 422
    assert "Rhowch y cod 6 digid o’ch ap dilysu" in main_text(refused)
    no_english(refused, *TWO_FACTOR_WORDS)
    client.post("/account/two-factor/confirm", data={"code": code_for(world.author.totp_pending_secret, clock)})
    clock.advance(seconds=90)
    for path, field, welsh in (("/account/two-factor/recovery-codes", "code", "Rhowch y cod 6 digid o’ch ap dilysu"),
                               ("/account/two-factor/turn-off", "code_or_password",
                                "Rhowch god cyfredol o’ch ap dilysu, neu eich cyfrinair")):
        refused = client.post(path, data={field: ""})
        assert refused.status_code == 422, path
        assert welsh in main_text(refused), path
        no_english(refused, *TWO_FACTOR_WORDS)
