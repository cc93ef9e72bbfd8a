"""The words of the workflow definition and the jurisdiction profiles in Welsh: each has its
Welsh in the catalogue, pages show them in the reader's language, and what is recorded
or answered through the API stays English."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from eqia.catalogue import extract_definition_words, read
from eqia.characteristics import PROFILES, load_characteristics
from eqia.extensions import db
from eqia.i18n import in_language
from eqia.loaded_definitions import workflows
from eqia.models import ACTION_STATUSES, CHALLENGE_STATUSES, EVIDENCE_KINDS, OUTCOMES, SCREENING_PROPOSALS
from eqia.roles import ROLE_LABELS
from eqia.services import tokens
from eqia.workflow.shown import Shown
from tests.conftest import STANDARD

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database

CATALOGUE = read("cy")


def welsh(text: str) -> str:
    message = CATALOGUE.get(str.__str__(text))
    assert message is not None and message.string, f"no Welsh for {text!r}"
    return message.string


def visible(response) -> str:
    page = BeautifulSoup(response.data, "html.parser")
    for hidden in page(["script", "style", "title"]):
        hidden.decompose()
    return " ".join(page.get_text(" ").split())


def definition_words(definition) -> list[str]:
    said = [definition.title]
    for state in definition.states.values():
        said += [state.label, state.phrase, state.description]
    for t in definition.transitions.values():
        said += [t.label, t.done, t.comment_label] + ([t.attestation] if t.attestation else [])
    said += [r.label for r in definition.rights.values()]
    said += [rule.message for rule in definition.segregation.values()]
    return said


def profile_words(profile) -> list[str]:
    said = [profile.name, profile.duty.name, profile.duty.citation, profile.duty.regard_text]
    said += [profile.duty.short] if profile.duty.short else []
    for c in profile.characteristics:
        said += [c.name, c.hint]
    said += list(profile.aims.values()) + list(profile.activity_kinds.values())
    said += [item.label for items in profile.scales.values() for item in items]
    said += list(profile.questions.values()) + list(profile.section_titles.values())
    return said


def test_every_state_transition_and_right_has_welsh():
    for text in definition_words(STANDARD):
        assert isinstance(text, Shown)
        welsh(text)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_word_of_every_profile_has_welsh(profile):
    for text in profile_words(load_characteristics(PROFILES[profile])):
        assert isinstance(text, Shown)
        welsh(text)


def test_the_service_labels_have_welsh():
    for labels in (ROLE_LABELS, OUTCOMES, EVIDENCE_KINDS, ACTION_STATUSES, CHALLENGE_STATUSES, SCREENING_PROPOSALS):
        for text in labels.values():
            welsh(text)


def test_placeholders_are_kept_in_the_welsh():
    for message in CATALOGUE:
        if message.id and "{" in str(message.id):
            for name in ("{duty}", "{group}", "{name}", "{citation}", "{key}", "{answer}"):
                assert (name in message.id) == (name in message.string), message.id


def test_the_catalogue_takes_what_people_read_and_not_identifiers():
    with open(STANDARD.source_file, "rb") as f:
        taken = {text for _, _, text, _ in extract_definition_words(f, None, None, None)}
    assert "standard" not in taken  # the workflow's name is its identifier
    phrases = {s.phrase for s in STANDARD.states.values()}  # "published" is a phrase as well as a key
    assert not taken & (set(STANDARD.states) - phrases) and not taken & set(STANDARD.transitions)
    assert {"blue", "primary", "warning", "review_date"}.isdisjoint(taken)
    assert set(definition_words(STANDARD)) - {"Comment (optional)"} <= taken  # that one is the code's default
    with open(PROFILES["wales"], "rb") as f:
        taken = {text for _, _, text, _ in extract_definition_words(f, None, None, None)}
    wales = load_characteristics(PROFILES["wales"])
    assert set(profile_words(wales)) <= taken
    assert not taken & {c.key for c in wales.characteristics} and "affects" not in taken


def test_a_shown_word_is_english_as_data_and_welsh_when_shown(app):
    state = STANDARD.states["screening"]
    with app.test_request_context():
        with in_language("cy"):
            assert str(state.label) == "Sgrinio" and f"{state.label}" == "Sgrinio"
            assert state.label == "Screening" and json.dumps(state.label) == '"Screening"'
            assert str(state.label.__html__()) == "Sgrinio"
        with in_language("en"):
            assert str(state.label) == "Screening"
    assert str(state.label) == "Screening"  # outside a request: English


def test_the_welsh_attestation_names_the_duty_in_welsh(app):
    sign_off = STANDARD.transitions["sign_off"]
    england = load_characteristics(PROFILES["england"])
    attestation = sign_off.attestation_for(england.duty.regard_text)
    assert attestation.english.endswith("paid due regard to the aims of the Public Sector Equality Duty (section 149 "
                                        "of the Equality Act 2010) before the decision is made.")
    with app.test_request_context(), in_language("cy"):
        said = str(attestation)
    assert "{duty}" not in said and said.startswith("Rwyf wedi darllen yr asesiad hwn")
    assert "rhoi sylw dyledus i nodau Dyletswydd Cydraddoldeb y Sector Cyhoeddus (adran 149 o Ddeddf Cydraddoldeb " \
           "2010) cyn gwneud y penderfyniad" in said


def in_welsh(user):
    user.language = "cy"
    db.session.commit()


def test_an_assessment_page_shows_the_state_and_its_actions_in_welsh(client, auth, world):
    assessment = world.make_assessment()  # in screening
    in_welsh(world.author)
    auth.sign_in(world.author)
    response = client.get(f"/assessments/{assessment.id}")
    page = visible(response)
    tag = BeautifulSoup(response.data, "html.parser").select_one("main .govuk-tag").get_text(strip=True)
    assert tag == "Sgrinio"
    assert "Dechrau asesiad llawn" in page and "Tynnu’n ôl" in page
    for english in ("Start full assessment", "Propose screen-out", "Withdraw"):
        assert english not in page


def test_the_sign_off_page_shows_the_welsh_attestation(client, auth, world):
    assessment = world.make_assessment("awaiting_sign_off")
    in_welsh(world.decider)
    auth.sign_in(world.decider)
    page = visible(client.get(f"/assessments/{assessment.id}/actions/sign_off"))
    assert "rhoi sylw dyledus i nodau Dyletswydd Cydraddoldeb y Sector Cyhoeddus" in page
    assert "{duty}" not in page and "I have read this assessment" not in page
    # The record keeps the English.
    from eqia.services.signing import attestation

    assert attestation(assessment, STANDARD.transitions["sign_off"]).english.startswith("I have read this assessment")


def test_the_screening_page_names_the_groups_in_welsh(client, auth, world):
    assessment = world.make_assessment()
    client.set_cookie("eqia_language", "cy")
    auth.sign_in(world.author)
    in_welsh(world.author)
    page = visible(client.get(f"/assessments/{assessment.id}/screening"))
    # The questions name each group in Welsh, and its hint is Welsh (the headings are the page's own).
    for name in ("Oedran", "Anabledd", "Ailbennu rhywedd", "Crefydd neu gred", "Cyfeiriadedd rhywiol"):
        assert f"{name}: a allai’r gweithgaredd effeithio’n wahanol ar bobl yn y grŵp hwn?" in page
    assert "Pobl lesbiaidd, hoyw, deurywiol a heterorywiol." in page
    for english in ("could the activity affect people in this group differently", "Lesbian, gay, bisexual",
                    "including children, young people and older people"):
        assert english not in page


def test_the_diagram_page_shows_welsh_labels(client, auth, world):
    in_welsh(world.lead)
    auth.sign_in(world.lead)
    response = client.get("/workflow/standard", follow_redirects=True)
    soup = BeautifulSoup(response.data, "html.parser")
    drawn = " ".join(t.get_text(" ") for t in soup.select("svg text"))  # the boxes and arrows
    for label in ("Sgrinio", "Adolygiad her", "Cyflwyno ar gyfer adolygiad her"):
        assert label in drawn
    for english in ("Awaiting sign-off", "Submit for challenge review", "Screen-out proposed"):
        assert english not in drawn
    # The tables (the image's own long description is written in eqia/diagram, and joins labels in English).
    soup.find("svg").decompose()
    tables = " ".join(" ".join(t.get_text(" ").split()) for t in soup.select("main table, main li"))
    for label in ("Sgrinio", "Yn aros am gymeradwyaeth", "Cyflwyno ar gyfer adolygiad her",
                  "Mae arweinydd cydraddoldeb yn herio’r asesiad."):
        assert label in tables
    for english in ("Awaiting sign-off", "Submit for challenge review", "An equality lead challenges the assessment.",
                    "You cannot sign off an assessment you wrote"):
        assert english not in tables
    assert "Llif gwaith EqIA safonol" in visible(response)


def test_the_api_stays_english_for_a_welsh_reader(client, world):
    assessment = world.make_assessment()
    in_welsh(world.author)
    _, token = tokens.create_token(world.author, "tests")
    db.session.commit()
    client.set_cookie("eqia_language", "cy")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "cy"}
    detail = client.get(f"/api/v1/assessments/{assessment.id}", headers=headers).get_json()
    assert detail["state_label"] == "Screening"
    assert {a["label"] for a in detail["allowed_actions"]} >= {"Start full assessment", "Withdraw"}
    listed = client.get("/api/v1/assessments", headers=headers).get_json()
    assert {row["state_label"] for row in listed["items"]} == {"Screening"}


def test_the_wales_profile_loads_and_shows_welsh(make_app):
    app = make_app(EQIA_PROFILE="wales")
    with app.app_context():
        from eqia.loaded_definitions import characteristics

        wales = characteristics()
        assert wales.key == "wales" and wales.get("welsh_language").name == "Welsh language"
        with app.test_request_context(), in_language("cy"):
            assert str(wales.get("welsh_language").name) == "Y Gymraeg"
            assert str(wales.duty.name).startswith("Dyletswydd Cydraddoldeb y Sector Cyhoeddus")
            assert str(wales.question("screening", wales.get("welsh_language").name)) == (
                "Y Gymraeg: a allai’r gweithgaredd effeithio’n wahanol ar bobl yn y grŵp hwn?")
            assert [str(a) for a in wales.aim_labels(["welsh_language_use"])] == [
                "Cyfleoedd i bobl ddefnyddio’r Gymraeg"]
        # In English, as before.
        assert wales.question("screening", wales.get("welsh_language").name) == (
            "Welsh language: could the activity affect people in this group differently?")


def test_the_wales_profile_screening_page_in_welsh(make_app):
    from tests.conftest import World, FreshRequestClient, Auth

    app = make_app(EQIA_PROFILE="wales")
    with app.app_context():
        world = World()
        assessment = world.make_assessment()
        in_welsh(world.author)
        app.test_client_class = FreshRequestClient
        client = app.test_client()
        Auth(client).sign_in(world.author)
        page = visible(client.get(f"/assessments/{assessment.id}/screening"))
        assert "Y Gymraeg: a allai’r gweithgaredd effeithio’n wahanol ar bobl yn y grŵp hwn?" in page
        assert "Anfantais economaidd-gymdeithasol: a allai’r gweithgaredd" in page
        assert "Cyfleoedd i bobl ddefnyddio’r Gymraeg, a pheidio â thrin y Gymraeg" in page  # its hint
        assert "Opportunities for people to use Welsh" not in page
        db.session.remove()


def test_workflows_loaded_once_serve_either_language(app, client, auth, world):
    definition = workflows().current("standard")
    assert definition.states["screening"].label == "Screening"
    with app.test_request_context(), in_language("cy"):
        assert str(definition.states["screening"].label) == "Sgrinio"
    with app.test_request_context(), in_language("en"):
        assert str(definition.states["screening"].label) == "Screening"


def test_the_templating_helpers_speak_welsh(app):
    from datetime import timedelta
    from types import SimpleNamespace

    from eqia.templating import justification_heading, summary_row, waited

    with app.test_request_context(), in_language("cy"):
        assert waited(timedelta(days=2)) == "2 ddiwrnod" and waited(timedelta(days=5)) == "5 diwrnod"
        assert waited(timedelta(days=21)) == "3 wythnos" and waited(timedelta(minutes=5)) == "Llai nag awr"
        row = summary_row(ROLE_LABELS["author"], "", href="/x")
        assert str(row["value"]["html"]) == "Heb ei ateb" and row["actions"]["items"][0]["text"] == "Newid"
        assert row["actions"]["items"][0]["visuallyHiddenText"] == "awdur"
        summary = SimpleNamespace(continues_despite_adverse=False, outcomes=["adjust", "stop"])
        assert justification_heading(summary) == ("Cyfiawnhad dros y canlyniad (Addasu’r gweithgaredd, "
                                                  "Atal a dileu’r gweithgaredd)")
    with app.test_request_context():
        assert justification_heading(summary) == ("Justification for the outcome (Adjust the activity, "
                                                  "Stop and remove the activity)")


def test_the_trail_reads_in_welsh_and_is_recorded_in_english(app):
    from types import SimpleNamespace

    from eqia.audit_words import ACTION_UPDATE, EDIT, words

    edit = SimpleNamespace(user_comment="As written", kind=EDIT, hash_version=2, details={"section": "screening", "changes": [
        {"change": "changed", "about": "relevance"},
        {"change": "changed", "about": "review_date", "from": "2027-01-01", "to": ""},
        {"change": "added", "about": "evidence"}]})
    update = SimpleNamespace(user_comment="", kind=ACTION_UPDATE, hash_version=2,
                             details={"action": 2, "status": "done", "dated": "2027-03-05"})
    said = words(edit)
    assert said == ("As written\nRelevance changed; Review date changed from 2027-01-01 to (blank); Evidence added")
    assert json.dumps(said) == json.dumps(said.english)  # the export takes the English
    with app.test_request_context(), in_language("cy"):
        assert str(said) == ("As written\nNewidiwyd Perthnasedd; Newidiwyd Dyddiad adolygu o 2027-01-01 i (gwag); "
                             "Ychwanegwyd Tystiolaeth")
        assert str(words(update)).endswith(", ar 5 Mawrth 2027")
    assert str(words(update)).endswith(", as at 5 March 2027")
