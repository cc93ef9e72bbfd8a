"""The assessment's pages in Welsh, as an author who chose Welsh sees them: the forms' labels, hints
and examples, the refusals of a page sent with a mistake (error summary and the field's own error), and
the problems listed on "check your answers". The shape's labels are wrapped once, where the shape is
declared, so the pages derived from it say them in Welsh while the API schema stays English."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.assessments.shape import PART, REGISTER_FIELDS
from eqia.extensions import db
from eqia.i18n import in_language
from eqia.models import Assessment
from eqia.services.workflow import perform_transition

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def visible(response) -> str:
    """The words a reader sees: no scripts, styles or attributes; spaces as one."""
    page = BeautifulSoup(response.data, "html.parser")
    for hidden in page(["script", "style", "template"]):
        hidden.decompose()
    return " ".join(page.get_text(" ").split())


def summary(response) -> list[str]:
    page = BeautifulSoup(response.data, "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary__list li")]


def field_errors(response) -> list[str]:
    page = BeautifulSoup(response.data, "html.parser")
    return [" ".join(p.get_text(" ").split()) for p in page.select(".govuk-error-message")]


def says(response, welsh: list[str], english: list[str]) -> None:
    text = visible(response)
    for words in welsh:
        assert " ".join(words.split()) in text, words
    for words in english:
        assert words not in text, words


@pytest.fixture
def welsh_author(world, auth):
    world.author.language = "cy"
    db.session.commit()
    auth.sign_in(world.author)
    return world.author


@pytest.fixture
def started(world, welsh_author) -> Assessment:
    """An assessment just moved on to full assessment, its Welsh-speaking author signed in."""
    assessment = world.make_assessment()
    perform_transition(assessment.id, "start_full_assessment", world.author)
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id).values(review_date=None))
    db.session.commit()
    return fresh(assessment.id)


def post(client, assessment: Assessment, path: str, data: dict):
    return client.post(f"/assessments/{assessment.id}/{path}",
                       data={"lock_version": str(fresh(assessment.id).lock_version), **data})


# -------------------------------------------------------------- register details

def test_the_details_page_asks_in_welsh(client, started):
    response = client.get(f"/assessments/{started.id}/details")
    assert response.status_code == 200
    says(response,
         ["Teitl y gweithgaredd", "Enwch y polisi, y gwasanaeth, y cynnig cyllideb neu’r penderfyniad sy’n cael "
          "ei asesu.", "Swyddog arweiniol", "Dyddiad arfaethedig y penderfyniad",
          "Rhaid rhoi sylw dyledus cyn y dyddiad hwn. Er enghraifft, 14 7 2026.", "Cadw a pharhau",
          "Ydych chi wedi cwblhau’r adran hon?", "Ydw, rwyf wedi cwblhau’r adran hon",
          "Y gyfarwyddiaeth sy’n berchen ar y gweithgaredd."],
         ["Title of the activity", "Name the policy, service, budget proposal or decision being assessed.",
          "Lead officer", "Planned decision date", "Due regard must be paid before this date.", "Save and continue",
          "Have you completed this section?", "The directorate that owns the activity.", "Avoid jargon"])


def test_a_mistake_on_the_details_page_is_refused_in_welsh(client, started):
    response = post(client, started, "details", {
        "title": "", "directorate_id": str(started.directorate_id), "service": "Libraries",
        "lead_officer": "x" * 1001, "planned_decision_date": ["31", "2", "2030"],
        "due_regard_started_on": ["", "3", "2026"], "completed": "no"})
    assert response.status_code == 200
    expected = ["Rhowch deitl y gweithgaredd sy’n cael ei asesu", "Swyddog arweiniol: rhowch 1,000 nod neu lai",
                "Dyddiad dechrau’r sylw dyledus: rhaid cynnwys diwrnod",
                "Dyddiad arfaethedig y penderfyniad: rhaid rhoi dyddiad go iawn"]
    assert sorted(summary(response)) == sorted(expected)
    errors = field_errors(response)
    assert all(any(message in error for error in errors) for message in expected), errors
    # What a screen reader hears before each field's error (visually hidden) is Welsh too: text
    # input, date input, and the rest of the GOV.UK widgets, through one place (forms/widgets.py).
    assert len(errors) == 4 and all(error.startswith("Gwall:") for error in errors), errors
    says(response, [],
         ["Enter the title of the activity being assessed", "must be 1,000 characters or fewer",
          "must include a day", "must be a real date", "Error:"])


# --------------------------------------------------------------------- screening

def test_the_screening_page_asks_in_welsh_and_refuses_in_welsh(client, world, welsh_author):
    assessment = world.make_assessment()
    shown = client.get(f"/assessments/{assessment.id}/screening")
    assert shown.status_code == 200
    says(shown,
         ["Pa mor berthnasol yw’r gweithgaredd hwn i gydraddoldeb?", "Beth ydych chi’n ei gynnig?",
          "Casgliad y sgrinio a’r rhesymau", "Pryd dylid adolygu’r penderfyniad sgrinio hwn?",
          "Gallwch ddechrau adolygiad yn gynt. Er enghraifft, 1 4 2027.", "Rheswm dros eich ateb am Oedran"],
         ["How relevant is this activity to equality?", "What do you propose?", "Screening conclusion and reasons",
          "When should this screening decision be reviewed?", "Reason for your answer about",
          "You can start a review sooner."])
    refused = post(client, assessment, "screening", {"relevance": "", "proposal": "", "conclusion": "",
                                                     "review_date": ["1", "", ""], "completed": "maybe"})
    assert refused.status_code == 200
    assert sorted(summary(refused)) == ["Dewiswch a ydych chi wedi cwblhau’r adran hon",
                                        "Y dyddiad y dylid adolygu’r penderfyniad sgrinio hwn: rhaid cynnwys mis a "
                                        "blwyddyn"]
    says(refused, [], ["Select whether you have completed this section", "must include a month and year"])


def test_screening_marked_complete_with_nothing_answered_lists_its_problems_in_welsh(client, world, welsh_author):
    assessment = world.make_assessment()
    data = {"relevance": "", "proposal": "", "conclusion": "", "completed": "yes"}
    for row in assessment.screening_answers:
        data[f"answer_{row.characteristic_key}"] = ""
        data[f"reason_{row.characteristic_key}"] = ""
    refused = post(client, assessment, "screening", data)
    assert refused.status_code == 200
    listed = summary(refused)
    assert "Oedran: dewiswch a allai’r gweithgaredd effeithio’n wahanol ar bobl yn y grŵp hwn" in listed
    assert "Dewiswch pa mor berthnasol yw’r gweithgaredd i gydraddoldeb" in listed
    assert "Dewiswch a oes angen asesiad llawn" in listed
    assert "Rhowch gasgliad eich sgrinio a’r rhesymau drosto" in listed
    says(refused, [], ["select whether the activity could affect people in this group differently",
                       "Select how relevant the activity is to equality", "Select whether a full assessment is needed",
                       "Enter your screening conclusion and the reasons for it"])


# ------------------------------------------------------------------ one group

def test_a_groups_page_asks_in_welsh_and_refuses_in_welsh(client, started):
    shown = client.get(f"/assessments/{started.id}/groups/age")
    assert shown.status_code == 200
    says(shown,
         ["Beth yw’r effaith debygol ar Oedran?", "I ba rai o nodau’r ddyletswydd mae hyn yn berthnasol?",
          "Os yw’r effaith yn negyddol, pa mor ddifrifol yw hi?", "Rhesymau dros eich barn",
          "Os nad oes tystiolaeth am y grŵp hwn, pam ddim?", "Lliniaru",
          "Esboniwch sut mae’r dystiolaeth yn arwain at eich barn."],
         ["What is the likely impact on Age?", "Which of the duty's aims is this relevant to?",
          "If the impact is negative, how severe is it?", "Reasons for your judgement",
          "If there is no evidence about this group, why not?", "Explain how the evidence leads to your judgement."])
    refused = post(client, started, "groups/age", {"impact": "", "evidence_narrative": "", "no_evidence_reason": "",
                                                  "mitigation": "", "completed": "yes"})
    assert refused.status_code == 200
    listed = summary(refused)
    assert "Dewiswch yr effaith ar Oedran" in listed
    assert "Esboniwch y rhesymau dros eich barn am Oedran" in listed
    says(refused, [], ["Select the impact on Age", "Explain the reasons for your judgement about Age"])


# ------------------------------------------------------------------- evidence

def test_adding_evidence_asks_in_welsh_and_refuses_in_welsh(client, started):
    shown = client.get(f"/assessments/{started.id}/evidence/add")
    assert shown.status_code == 200
    says(shown,
         ["Pa fath o dystiolaeth yw hi?", "Ffynhonnell", "Dyddiad (dewisol)", "Beth mae’n ei ddangos?",
          "Dolen (dewisol)", "Cadw", "Pryd cafodd y data eu casglu neu’r adroddiad ei gyhoeddi."],
         ["What kind of evidence is it?", "Date (optional)", "What does it show?", "Link (optional)",
          "When the data was collected or the report published.", "Name the source so a reader could find it again"])
    refused = post(client, started, "evidence/add", {"kind": "", "source": "", "dated": ["1", "1", "2999"],
                                                     "summary": "", "link": "ftp://example.org"})
    assert refused.status_code == 200
    expected = ["Dewiswch y math o dystiolaeth", "Nodwch o ble mae’r dystiolaeth yn dod",
                "Rhaid i ddyddiad y dystiolaeth fod heddiw neu yn y gorffennol", "Nodwch beth mae’r dystiolaeth yn ei ddangos",
                "Rhowch ddolen sy’n dechrau gyda https:// neu http://, neu gadewch hi’n wag"]
    assert summary(refused) == expected
    errors = field_errors(refused)
    assert all(any(message in error for error in errors) for message in expected), errors
    says(refused, [], ["Select the kind of evidence", "Enter where the evidence comes from",
                       "The date of the evidence must be today or in the past", "Enter what the evidence shows"])


# -------------------------------------------------------------------- actions

def test_adding_an_action_asks_in_welsh_and_refuses_in_welsh(client, started):
    shown = client.get(f"/assessments/{started.id}/action/add")
    assert shown.status_code == 200
    says(shown,
         ["Pwy sy’n berchen arno?", "Oes gan y perchennog gyfrif yma?", "Rhywun heb gyfrif",
          "Erbyn pryd mae i’w gwblhau?", "Er enghraifft, 30 9 2026.", "Sut byddwch chi’n gwybod ei fod wedi gweithio?",
          "Statws"],
         ["Who owns it?", "Does the owner have an account here?", "Someone without an account", "When is it due?",
          "How will you know it has worked?", "Keep this up to date"])
    refused = post(client, started, "action/add", {"description": "", "owner": "", "owner_user_id": "",
                                                   "due_date": ["1", "13", "2027"], "success_measure": "",
                                                   "status": ""})
    assert refused.status_code == 200
    assert summary(refused) == ["Dyddiad cwblhau: rhaid rhoi dyddiad go iawn"]
    refused = post(client, started, "action/add", {"description": "", "owner": "", "owner_user_id": "",
                                                   "success_measure": "", "status": ""})
    assert summary(refused) == ["Rhowch y cam gweithredu", "Dewiswch statws y cam gweithredu"]
    says(refused, [], ["Enter the action", "Select the status of the action"])


# -------------------------------------------------------------------- outcome

def test_the_outcome_page_asks_in_welsh_and_refuses_in_welsh(client, started):
    shown = client.get(f"/assessments/{started.id}/outcome")
    assert shown.status_code == 200
    says(shown, ["Beth yw canlyniad yr asesiad hwn?", "Dewiswch bob un sy’n berthnasol.",
                 "Os yw’r gweithgaredd yn parhau er gwaethaf effaith andwyol, pam mae hynny’n gyfiawn?"],
         ["What is the outcome of this assessment?", "Select all that apply.",
          "If the activity continues despite an adverse impact, why is that justified?"])
    refused = post(client, started, "outcome", {"outcome_justification": "", "completed": "yes"})
    assert refused.status_code == 200
    assert summary(refused) == ["Dewiswch o leiaf un canlyniad"]
    says(refused, [], ["Select at least one outcome"])


# ------------------------------------------------------------ check your answers

def test_check_your_answers_lists_the_problems_in_welsh(client, started):
    response = client.get(f"/assessments/{started.id}/check")
    assert response.status_code == 200
    says(response,
         ["Ychwanegwch o leiaf un darn o dystiolaeth rydych chi wedi’i ystyried", "Dewiswch yr effaith ar Oedran",
          "Dewiswch o leiaf un canlyniad",
          "Ychwanegwch o leiaf un cam gweithredu, gan gynnwys sut y byddwch yn monitro’r effaith wirioneddol"],
         ["Add at least one piece of evidence you have considered", "Select the impact on Age",
          "Select at least one outcome", "Add at least one action, including how you will monitor the actual impact"])


# ------------------------------------------------------- the shape, both languages

def test_the_shapes_labels_are_english_by_default_and_welsh_when_asked(app):
    with app.test_request_context():
        assert str(REGISTER_FIELDS["planned_decision_date"]) == "Planned decision date"
        with in_language("cy"):
            assert str(REGISTER_FIELDS["planned_decision_date"]) == "Dyddiad arfaethedig y penderfyniad"
            assert str(PART["evidence"].items.fields[0].label) == "Math"


def test_a_refusal_said_in_welsh_is_still_text(app, world):
    """ServiceError and the API join a refusal's messages: each is a str, never a lazy string."""
    from eqia.assessments import sections

    with app.test_request_context(), in_language("cy"):
        problems = sections.evidence_problems(world.make_assessment(), None)
        assert [type(p.message) for p in problems] == [str]
        assert problems[0].message == "Ychwanegwch o leiaf un darn o dystiolaeth rydych chi wedi’i ystyried"
