"""The author's pages in Welsh: my work, all assessments, starting an assessment,
the task list, check your answers, adding a group, a group's impact, the evidence,
consultation and action plan lists, adding and removing an item, the outcome.

Each page is read as the author with Welsh chosen on their account: the Welsh the
catalogue gives is there, and the English it replaces is not in what people see.
What people typed (titles, sources, names) stays as written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.interchange.importer import import_document
from eqia.models import Assessment
from eqia.services import content
from tests.test_missing_groups import one_group_document

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database


def visible(response) -> str:
    """What a person sees (and hears): the page's title and body text, without scripts."""
    assert response.status_code == 200, response.status_code
    page = BeautifulSoup(response.data, "html.parser")
    for hidden in page(["script", "style"]):
        hidden.decompose()
    text = " ".join(page.get_text(" ").split())
    # The Welsh's apostrophes and the HTML some entries hold are written once, not escaped twice.
    assert "&#39;" not in text and "&amp;" not in text and "<span" not in text and "<a " not in text
    return text


def says(client, url: str, welsh: list[str], english: list[str]) -> str:
    text = visible(client.get(url))
    for words in welsh:
        assert words in text, f"{url}: no {words!r}"
    for words in english:
        assert words not in text, f"{url}: still says {words!r}"
    return text


@pytest.fixture
def welsh_author(world, auth):
    world.author.language = "cy"
    db.session.commit()
    auth.sign_in(world.author)
    return world.author


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def test_my_work_and_all_assessments_in_welsh(client, world, welsh_author, monkeypatch):
    world.make_assessment(title="Library opening hours")
    world.make_assessment(title="Library mobile van")
    says(client, "/my-work", ["Fy ngwaith", "Dechrau asesiad newydd", "Fel ", "Asesiad", "Beth allwch chi ei wneud",
                              "Yn aros ers", "Library opening hours"],
         ["Start a new assessment", "What you can do", "Waiting since", "Nothing is waiting for you", " As ",
          "The actions you own"])

    says(client, "/assessments?q=Library", ["Pob asesiad", "Teitl neu gyfeirnod", "Unrhyw statws",
                                            "Unrhyw gyfarwyddiaeth", "Hidlo", "2 asesiad", "Dyddiad y penderfyniad"],
         ["Title or reference", "Any status", "Any directorate", "Filter", "2 assessments", "Decision date"])

    # A page of one: the pagination's words too.
    monkeypatch.setattr("eqia.views.main.PAGE_SIZE", 1)
    says(client, "/assessments?q=Library&page=1", ["Nesaf (tudalen)", "2 asesiad"],
         ["Next page", "Previous page"])
    says(client, "/assessments?q=Library&page=2", ["Blaenorol (tudalen)"], ["Previous page"])


def test_starting_an_assessment_in_welsh(client, world, welsh_author):
    says(client, "/assessments/new", ["Dechrau asesiad newydd", "rhaid rhoi sylw dyledus", "Yn ôl"],
         ["Start a new assessment", "Start the assessment as early as you can", "Parent programme (optional)"])
    response = client.post("/assessments/new", data={
        "title": "Library opening hours", "directorate_id": str(world.directorate.id), "service": "Libraries",
        "lead_officer": "Sam Lee", "activity_kind": "change", "aims": "Save money", "people_affected": "Residents",
        "decision_maker": "Cabinet Member", "decision_forum": "Cabinet",
        "due_regard_started_on": ["1", "3", "2026"], "planned_decision_date": ["1", "6", "2030"],
        "parent_programme": "", "completed": "no"})
    assert response.status_code == 302
    text = says(client, response.headers["Location"], ["wedi’i ddechrau", "Tasgau – Library opening hours",
                                                       "Rydych chi wedi cwblhau", "Gwirio ac anfon",
                                                       "Gwirio eich atebion", "Methu dechrau eto"],
                ["started", "You have completed", "Check and send", "Read everything entered so far",
                 "Cannot start yet", "Not yet started", "Back to the assessment"])
    assert "Library opening hours" in text  # the title as written


def test_screening_and_the_task_list_in_welsh(client, world, welsh_author):
    a = world.make_assessment()
    says(client, f"/assessments/{a.id}/screening",
         ["Sgrinio", "Ar gyfer pob grŵp", "Casgliad", "Yn ôl i’r tasgau"],
         ["For each group, say whether", "is not “No”", "Back to tasks", "What a good answer looks like"])
    says(client, f"/assessments/{a.id}/tasks", ["Wedi cwblhau", "Yn ôl i’r asesiad"],
         ["Completed", "In progress", "You have completed"])


def test_check_answers_and_the_section_pages_of_a_full_assessment_in_welsh(client, world, welsh_author):
    a = world.make_assessment("full_assessment")
    says(client, f"/assessments/{a.id}/check",
         ["Gwirio eich atebion", "Perthnasedd", "Casgliad", "Newid", "Tystiolaeth 1: Library visitor survey 2025",
          "Ymgynghoriad 1: Library users", "Cam gweithredu 1", "Tystiolaeth a ddyfynnwyd", "Nawr anfonwch eich asesiad"],
         ["Relevance", "Conclusion", "Justification for continuing", "Evidence cited", "Why there is no evidence",
          "Relevant aims of the duty", "Now send your assessment", "What it shows", "How it changed the proposal",
          "Success measure", "Not needed"])

    row = fresh(a.id).impacts[0]
    says(client, f"/assessments/{a.id}/groups/{row.characteristic_key}",
         ["effaith ar bob grŵp", "Dim tystiolaeth ynghylch Oedran?",
          "Ychwanegu cam gweithredu i gasglu tystiolaeth ynghylch Oedran"],
         ["impact on each group", "No evidence about", "Add an action to gather evidence",
          "This button also saves your answers", "What a good answer looks like"])

    says(client, f"/assessments/{a.id}/evidence",
         ["Tystiolaeth", "Rhestrwch y dystiolaeth", "Ffynhonnell", "Ychwanegu rhagor o dystiolaeth",
          "Library visitor survey 2025"],
         ["List the evidence you have considered", "What it shows", "Add more evidence", "Kind", "Source"])
    says(client, f"/assessments/{a.id}/consultation",
         ["Ymgynghori ac ymgysylltu", "Beth ddywedon nhw", "Ychwanegu ymgynghoriad neu ymgysylltu"],
         ["Record who you asked", "What they said", "How it changed the proposal",
          "Add consultation or engagement"])
    says(client, f"/assessments/{a.id}/intersectional",
         ["Asesiadau eraill yn yr un rhaglen", "Nid yw’r asesiad hwn yn rhan o raglen"],
         ["Other assessments in the same programme", "This assessment is not part of a programme"])
    says(client, f"/assessments/{a.id}/outcome",
         ["Canlyniad", "Nid oes effaith negyddol wedi’i chofnodi"],
         ["No negative impact has been recorded", "Negative impacts found"])
    says(client, f"/assessments/{a.id}/action-plan",
         ["Cynllun gweithredu", "Cam gweithredu 1", "Perchennog", "Mesur llwyddiant", "Monitor visits by age"],
         ["Actions to reduce negative impacts", "Success measure", "Add an action", "Owner"])


def test_adding_and_removing_items_in_welsh(client, world, welsh_author):
    a = world.make_assessment("full_assessment")
    says(client, f"/assessments/{a.id}/evidence/add", ["Ychwanegu tystiolaeth", "Canslo"],
         ["Add evidence", "Cancel"])
    today = date.today() - timedelta(days=3)
    response = client.post(f"/assessments/{a.id}/evidence/add", data={
        "lock_version": str(fresh(a.id).lock_version), "kind": "data", "source": "Census 2021",
        "dated": [str(today.day), str(today.month), str(today.year)], "summary": "Ages", "link": ""})
    assert response.status_code == 302
    says(client, response.headers["Location"], ["Tystiolaeth wedi’i hychwanegu", "Tystiolaeth 2: Census 2021"],
         ["Evidence added"])

    added = fresh(a.id).evidence_items[-1]
    says(client, f"/assessments/{a.id}/evidence/{added.id}/remove",
         ["Dileu’r dystiolaeth hon", "Ydych chi’n siŵr eich bod am ddileu’r dystiolaeth hon?", "Ydw, dileu",
          "Nac ydw, cadw", "Census 2021"],
         ["Remove this evidence", "Are you sure", "Yes, remove it", "No, keep it"])
    response = client.post(f"/assessments/{a.id}/evidence/{added.id}/remove",
                           data={"lock_version": str(fresh(a.id).lock_version)})
    assert response.status_code == 302
    says(client, response.headers["Location"], ["Tystiolaeth wedi’i dileu"], ["Evidence removed"])

    content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, None, {
        "description": "Ask the access forum", "owner": "Sam Lee", "due_date": date.today() + timedelta(days=30),
        "success_measure": "Forum minutes", "status": "not_started"})
    db.session.commit()
    says(client, f"/assessments/{a.id}/action-plan", ["Symud i lawr", "Symud i fyny"], ["Move up", "Move down"])
    action = fresh(a.id).actions[0]
    response = client.post(f"/assessments/{a.id}/action/{action.id}/move/down",
                           data={"lock_version": str(fresh(a.id).lock_version)})
    assert response.status_code == 302
    says(client, response.headers["Location"], ["Cam gweithredu wedi’i symud i lawr"], ["Action moved down"])

    says(client, f"/assessments/{a.id}/action/{action.id}", ["Newid cam gweithredu"], ["Change an action"])
    says(client, f"/assessments/{a.id}/action/{action.id}/remove",
         ["Ydych chi’n siŵr eich bod am ddileu’r cam gweithredu hwn?"], ["Are you sure"])


def test_adding_a_group_in_welsh(client, world, welsh_author):
    imported = import_document(world.author, one_group_document(world)).assessment
    db.session.commit()
    says(client, f"/assessments/{imported.id}/add-group",
         ["Ychwanegu grŵp at yr asesiad hwn", "Dyma’r grwpiau", "Yn ôl i’r rhestr tasgau", "Canslo"],
         ["Add a group to this assessment", "These are the groups this service assesses", "Back to the task list",
          "Cancel"])
    says(client, f"/assessments/{imported.id}/tasks", ["Ychwanegu grŵp"], ["Add a group"])


def test_english_is_unchanged_for_an_english_speaker(client, world, auth):
    a = world.make_assessment()
    auth.sign_in(world.author)
    says(client, f"/assessments/{a.id}/tasks", ["You have completed", "Check and send", "Completed"],
         ["Rydych chi wedi cwblhau", "Gwirio ac anfon"])
