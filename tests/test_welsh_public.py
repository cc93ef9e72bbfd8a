"""Welsh on the public side and the frame of every page: the language switch (a
visitor's cookie, a signed-in person's account), the layout, the public register,
signing in, forgotten passwords, the error pages and the workflow diagram. Each page
in Welsh says the Welsh words and none of the English sentences it wraps; the
downloads and the API stay in English."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.i18n import COOKIE
from eqia.models import User
from tests.test_register import publish

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database

DOMAIN = "eqia.test"  # the tests' SERVER_NAME: a cookie for the default "localhost" is never sent

# The English of the frame every page has, none of which a Welsh page may show.
FRAME_ENGLISH = ["Skip to main content", "Public register", "Equality impact assessments under the"]
SIGNED_IN_ENGLISH = ["Signed in as", "Your account", "Sign out", "My work", "My actions", "All assessments",
                     "How assessments move"]


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def visible_text(soup: BeautifulSoup) -> str:
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return soup.get_text(" ", strip=True)


def welsh_page(client, path: str, status: int = 200, **kwargs) -> tuple[BeautifulSoup, str]:
    response = client.get(path, **kwargs)
    assert response.status_code == status, (path, response.status_code)
    soup = soup_of(response)
    assert soup.html["lang"] == "cy"
    return soup, visible_text(soup_of(response))


def assert_welsh(text: str, welsh: list[str], english: list[str]) -> None:
    for words in welsh:
        assert words in text, words
    for words in english:
        assert words not in text, words


@pytest.fixture
def visitor(client):
    client.set_cookie(COOKIE, "cy", domain=DOMAIN)
    return client


def choose_welsh(user: User) -> None:
    user.language = "cy"
    db.session.commit()


# ------------------------------------------------------------ the switch

def test_a_visitors_switch_is_a_link_that_sets_the_cookie_and_returns_to_the_page(client, world):
    soup = soup_of(client.get("/register?q=library"))
    assert soup.html["lang"] == "en-GB"
    switch = soup.select_one("nav.app-language-switch")
    assert switch.select_one("[aria-current]").get_text(strip=True) == "English"
    link = switch.select_one('a[hreflang="cy"]')
    assert link.get_text(strip=True) == "Cymraeg" and link["lang"] == "cy"

    response = client.get(link["href"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/register?q=library")
    assert f"{COOKIE}=cy" in response.headers["Set-Cookie"]

    soup, text = welsh_page(client, "/register?q=library")
    assert soup.select_one("nav.app-language-switch [aria-current]").get_text(strip=True) == "Cymraeg"
    assert soup.select_one('nav.app-language-switch a[hreflang="en-GB"]').get_text(strip=True) == "English"
    assert_welsh(text, ["Neidio i’r prif gynnwys", "Cofrestr gyhoeddus o asesiadau effaith cydraddoldeb",
                        "Staff y cyngor: mewngofnodi"], FRAME_ENGLISH + ["Council staff: sign in"])

    # And back to English the same way.
    client.get(soup.select_one('nav.app-language-switch a[hreflang="en-GB"]')["href"])
    assert soup_of(client.get("/register")).html["lang"] == "en-GB"


def test_the_switch_refuses_a_language_it_does_not_know_and_an_address_elsewhere(client, world):
    assert client.get("/language/fr?next=/register").status_code == 404
    response = client.get("/language/cy?next=https://elsewhere.example/")
    assert response.status_code == 302 and "elsewhere" not in response.headers["Location"]


def test_a_signed_in_persons_switch_is_a_form_and_keeps_the_choice_on_the_account(client, auth, world):
    auth.sign_in(world.author)
    soup = soup_of(client.get("/register"))
    form = soup.select_one("nav.app-language-switch form")
    assert form["method"] == "post" and form.select_one("button").get_text(strip=True) == "Cymraeg"

    response = client.post(form["action"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/register")
    db.session.expire_all()
    assert db.session.get(User, world.author.id).language == "cy"

    # The account's choice wins over the browser's cookie and what the browser asks for.
    client.set_cookie(COOKIE, "en", domain=DOMAIN)
    soup, text = welsh_page(client, "/register", headers={"Accept-Language": "en-GB"})
    assert_welsh(text, ["Wedi mewngofnodi fel Author", "Eich cyfrif", "Allgofnodi", "Fy ngwaith",
                        "Fy nghamau gweithredu", "Pob asesiad", "Sut mae asesiadau’n symud"],
                 SIGNED_IN_ENGLISH + FRAME_ENGLISH)
    assert soup.select_one("nav.app-language-switch form button").get_text(strip=True) == "English"


def test_the_account_language_follows_the_person_to_another_browser(client, auth, world):
    choose_welsh(world.author)
    auth.sign_in(world.author)
    soup, text = welsh_page(client, "/register")
    assert "Wedi mewngofnodi fel" in text and "Signed in as" not in text


# ------------------------------------------------------------ the register

def test_the_register_index_in_welsh(visitor, world):
    publish(world, "Library opening hours")
    soup, text = welsh_page(visitor, "/register")
    assert soup.title.get_text().startswith("Cofrestr gyhoeddus o asesiadau effaith cydraddoldeb – EqIA – ")
    assert_welsh(text, ["Hidlo’r gofrestr", "Unrhyw gyfarwyddiaeth", "Effaith andwyol ar", "Cyhoeddwyd o",
                        "Diwrnod", "Mis", "Blwyddyn", "Rhoi’r hidlwyr ar waith", "1 asesiad wedi’i gyhoeddi",
                        "Lawrlwythwch y gofrestr gyfan fel", "Cyfeirnod", "Grwpiau ag effaith andwyol",
                        "Y trywydd archwilio", "Library opening hours"],
                 FRAME_ENGLISH + ["Filter the register", "Any directorate", "Apply filters", "published assessment",
                                  "Download the whole register", "Groups with an adverse impact",
                                  "The audit trail", "Events on the trail", "Published from"])


def test_the_registers_filter_errors_in_welsh_and_its_downloads_in_english(visitor, world):
    publish(world, "Library opening hours")
    soup, text = welsh_page(visitor, "/register", query_string={"from-day": "2", "from-month": "3",
                                                                 "from-year": "2026", "to-day": "1",
                                                                 "to-month": "3", "to-year": "2026"})
    assert soup.title.get_text().startswith("Gwall: ")
    assert_welsh(text, ["Mae problem wedi codi",
                        "Rhaid i’r dyddiad cyhoeddi hyd at fod yr un fath â’r dyddiad cyhoeddi o neu ar ei ôl"],
                 ["There is a problem", "must be the same as or after"])

    rows = list(csv.reader(io.StringIO(visitor.get("/register.csv").data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Version", "Title"]
    refused = visitor.get("/register.json?from-day=2&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026")
    assert refused.status_code == 400
    assert refused.json["errors"][0]["message"] == (
        "Published to date must be the same as or after the published from date")


def test_an_assessments_public_page_in_welsh(visitor, world):
    a = publish(world, "Library opening hours")
    soup, text = welsh_page(visitor, f"/register/{a.reference}/v{a.version_number}")
    assert soup.title.get_text().startswith("Library opening hours – Cofrestr gyhoeddus – EqIA – ")
    assert_welsh(text, ["Yn ôl i’r gofrestr gyhoeddus", "Lawrlwytho’r asesiad wedi’i lofnodi (PDF)",
                        "Am y gweithgaredd", "Cyfeirnod", "Cynllun gweithredu", "Cymeradwyaeth",
                        "Llofnodwyd gan", "Datganiad a lofnodwyd", "Ôl bys y cynnwys (SHA-256)",
                        "Library opening hours"],
                 FRAME_ENGLISH + ["Back to the public register", "Download the signed assessment",
                                  "About the activity", "Action plan", "Signed by", "Statement signed",
                                  "Content fingerprint", "Version signed", "Each signature is bound"])


def test_a_register_page_that_is_not_there_in_welsh(visitor, world):
    soup, text = welsh_page(visitor, "/register/EQIA-9999/v1", status=404)
    assert_welsh(text, ["Heb ddod o hyd i’r dudalen", "Nid yw asesiad nad yw wedi’i gyhoeddi mwyach",
                        "Ewch i’r gofrestr gyhoeddus"],
                 ["Page not found", "is not shown on the register", "Go to the public register"])


# ------------------------------------------------------------ signing in

def test_the_sign_in_page_and_its_errors_in_welsh(visitor, world):
    soup, text = welsh_page(visitor, "/sign-in")
    assert soup.title.get_text().startswith("Mewngofnodi – EqIA – ")
    assert_welsh(text, ["Mewngofnodwch i ysgrifennu, herio neu gymeradwyo asesiadau effaith cydraddoldeb",
                        "Cyfeiriad e-bost", "Cyfrinair", "Wedi anghofio eich cyfrinair?"],
                 FRAME_ENGLISH + ["Sign in to write", "Email address", "Forgotten your password?"])

    soup = soup_of(visitor.post("/sign-in", data={"email": "", "password": ""}))
    text = visible_text(soup)
    assert soup.title.get_text().startswith("Gwall: Mewngofnodi")
    assert_welsh(text, ["Mae problem wedi codi", "Rhowch eich cyfeiriad e-bost", "Rhowch eich cyfrinair"],
                 ["There is a problem", "Enter your email address", "Enter your password"])

    soup = soup_of(visitor.post("/sign-in", data={"email": world.author.email, "password": "not it at all"}))
    assert_welsh(visible_text(soup), ["Rhowch gyfeiriad e-bost a chyfrinair cywir"],
                 ["Enter a correct email address and password"])


def test_the_forgotten_password_pages_in_welsh(visitor, world):
    soup, text = welsh_page(visitor, "/forgotten-password")
    assert_welsh(text, ["Wedi anghofio eich cyfrinair", "Anfon y ddolen", "Yn ôl i fewngofnodi"],
                 ["Forgotten your password", "Send the link", "Back to sign in", "We will email you"])

    soup = soup_of(visitor.post("/forgotten-password", data={"email": ""}))
    assert_welsh(visible_text(soup), ["Gwall", "Rhowch eich cyfeiriad e-bost"], ["Enter your email address"])

    response = visitor.post("/forgotten-password", data={"email": world.author.email})
    assert response.status_code == 302
    soup, text = welsh_page(visitor, "/forgotten-password/sent")
    assert_welsh(text, ["Gwiriwch eich e-bost", "Mae’r ddolen yn gweithio unwaith"],
                 ["Check your email", "The link works once", "If no email arrives"])

    soup, text = welsh_page(visitor, "/password-link/not-a-real-token", status=404)
    assert_welsh(text, ["Mae’r ddolen hon wedi dod i ben neu wedi’i defnyddio", "Gofyn am ddolen newydd"],
                 ["This link has expired or been used", "Ask for a new link"])


def test_a_password_that_is_too_short_is_refused_in_welsh_and_english_alike(client, world):
    from eqia.services import password_links, password_policy

    token = password_links.issue(world.author, password_links.RESET)
    db.session.commit()
    client.set_cookie(COOKIE, "cy", domain=DOMAIN)
    soup, text = welsh_page(client, f"/password-link/{token}")
    assert_welsh(text, ["Dewiswch gyfrinair newydd", "Ar gyfer y cyfrif", "O leiaf 12 nod ac uchafswm o 256",
                        "Gosod cyfrinair"],
                 ["Choose a new password", "For the account", "At least 12 characters", "Set password"])
    for language, words in (("en", password_policy.TOO_SHORT), ("cy", "Rhowch gyfrinair o 12 nod o leiaf")):
        client.set_cookie(COOKIE, language, domain=DOMAIN)
        response = client.post(f"/password-link/{token}", data={"password": "short", "confirm_password": "short"})
        assert response.status_code == 422 and words in visible_text(soup_of(response))


def test_the_password_policys_messages_are_english_strings_and_welsh_on_a_page(app):
    from markupsafe import escape

    from eqia.i18n import in_language
    from eqia.services import password_policy

    assert password_policy.TOO_SHORT == "Enter a password of at least 12 characters"
    assert "; ".join([password_policy.TOO_SHORT, password_policy.PERSONAL]).startswith("Enter a password")
    with app.test_request_context("/"):
        with in_language("cy"):
            assert str(escape(password_policy.TOO_SHORT)) == "Rhowch gyfrinair o 12 nod o leiaf"
            assert str(password_policy.TOO_SHORT) == "Enter a password of at least 12 characters"
        assert str(escape(password_policy.TOO_SHORT)) == "Enter a password of at least 12 characters"


# ------------------------------------------------------------ errors and the diagram

def test_a_page_not_found_in_welsh(visitor, world):
    soup, text = welsh_page(visitor, "/no-such-page", status=404)
    assert soup.title.get_text().startswith("Heb ddod o hyd i’r dudalen – EqIA – ")
    assert_welsh(text, ["Heb ddod o hyd i’r dudalen", "Os gwnaethoch deipio’r cyfeiriad gwe",
                        "Ewch i’r gofrestr gyhoeddus", "mewngofnodwch"],
                 FRAME_ENGLISH + ["Page not found", "If you typed the web address", "Go to the public register"])


def test_a_page_not_found_for_someone_signed_in_in_welsh(client, auth, world):
    choose_welsh(world.author)
    auth.sign_in(world.author)
    soup, text = welsh_page(client, "/no-such-page", status=404)
    assert_welsh(text, ["Ewch i’ch gwaith"], ["Go to your work"] + SIGNED_IN_ENGLISH)


def test_the_api_answers_in_english_whatever_the_cookie(visitor, world):
    response = visitor.get("/api/v1/no-such-thing")
    assert response.status_code in (401, 404)
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] in ("Not found", "A valid API token is needed")


def test_the_workflow_diagram_page_in_welsh(client, auth, world):
    choose_welsh(world.lead)
    auth.sign_in(world.lead)
    soup, text = welsh_page(client, "/workflow/")
    assert_welsh(text, ["Sut mae asesiadau’n symud", "Mae’r diagram yn lletach na’r dudalen", "Statwsau",
                        "Pwy all newid y cynnwys", "Camau gweithredu"],
                 ["The diagram is wider than the page", "Who can change the content", "What it means",
                  "Nobody checks their own work"])
    svg = soup.select_one(".app-diagram svg")
    assert "Mae asesiad yn dechrau yn" in svg.select_one("desc").get_text()
    assert "An assessment starts in" not in svg.get_text()
