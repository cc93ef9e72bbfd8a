"""The overview, the challenge review and its answers, the sign-off confirmation, the monitoring
report, action progress and the action lists in Welsh: each page read by someone who chose Welsh
on their account shows its own words in Welsh, and none of the English it wraps; refusals (a
wrong password, a point without a status) are said in Welsh on the page too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment
from eqia.services import challenge
from eqia.services.challenge import PointInput
from eqia.services.workflow import perform_transition

# What language a page is in does not depend on the database beneath it: once, in the first pass.
pytestmark = pytest.mark.one_database


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def in_welsh(auth, user) -> None:
    user.language = "cy"
    db.session.commit()
    auth.sign_in(user)


def main_text(response) -> str:
    """The page's own visible words: its <main>, tags and all, without the markup."""
    assert response.status_code in (200, 422), response.status_code
    page = BeautifulSoup(response.data, "html.parser")
    return " ".join(page.select_one("main").get_text(" ", strip=True).split())


def title_of(response) -> str:
    return BeautifulSoup(response.data, "html.parser").title.get_text(" ", strip=True)


def back_link(response) -> str:
    return BeautifulSoup(response.data, "html.parser").select_one(".govuk-back-link").get_text(strip=True)


def errors_on(response) -> list[str]:
    page = BeautifulSoup(response.data, "html.parser")
    return [a.get_text(" ", strip=True) for a in page.select(".govuk-error-summary__list a")]


def says(text: str, *welsh: str, never: tuple[str, ...] = ()) -> None:
    for words in welsh:
        assert words in text, words
    for english in never:
        assert english not in text, english


def returned(world) -> Assessment:
    """An assessment the lead has returned to its author with one point to correct."""
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {"evidence": PointInput("to_correct", "Add the census data")})
    db.session.commit()
    perform_transition(assessment.id, "return_to_author", world.lead)
    db.session.commit()
    return fresh(assessment.id)


def test_the_lead_reviews_in_welsh_and_is_told_what_is_missing_in_welsh(world, client, auth):
    assessment = world.make_assessment("challenge")
    in_welsh(auth, world.lead)
    response = client.get(f"/assessments/{assessment.id}/review")
    assert title_of(response).startswith("Adolygiad her – Library opening hours")
    says(main_text(response), "Adolygiad her: rownd 1", "Mae’r cynnwys wedi’i gloi tra byddwch yn ei adolygu.",
         "Ar gyfer pob tasg, dywedwch a yw’n dderbyniol", "Eich barn am “", "Eich sylw ar “", "Cadw ac yna",
         "Cofnod yr her", "Rownd 1: yn cael ei hadolygu",
         never=("Challenge review", "The content is locked while you review it", "For each task, say whether",
                "Your view of", "Your comment on", "Save and", "Challenge ledger", "under review",
                "Submitted"))
    assert back_link(response) == "Yn ôl i’r asesiad"

    response = client.post(f"/assessments/{assessment.id}/review", data={
        "status_evidence": "to_correct", "comment_evidence": "", "comment_outcome": "Kept text"})
    errors = errors_on(response)
    assert len(errors) == 2
    assert errors[0].startswith("Dywedwch beth sy’n rhaid ei gywiro yn “")
    assert errors[1].startswith("Dewiswch statws ar gyfer “") and errors[1].endswith("”, neu dilëwch eich sylw")
    says(main_text(response), never=("Say what must be corrected", "Select a status for"))


def test_the_author_answers_the_challenge_in_welsh(world, client, auth):
    assessment = returned(world)
    point = challenge.unanswered(assessment)[0]
    in_welsh(auth, world.author)
    overview = main_text(client.get(f"/assessments/{assessment.id}"))
    says(overview, "Dychwelodd yr arweinydd cydraddoldeb yr asesiad hwn gyda 1 pwynt i’w ateb.", "Atebwch yr her",
         "Rownd 1: ", "Pwyntiau a godwyd yn rownd 1", "Heb ei ateb", "Add the census data",
         never=("The equality lead returned this assessment", "Answer the challenge", "point to answer",
                "Points raised in round", "Not answered"))

    response = client.get(f"/assessments/{assessment.id}/respond")
    assert title_of(response).startswith("Ateb yr her – ")
    says(main_text(response), "Ateb yr her o rownd 1", "Dychwelodd Lead yr asesiad",
         "Atebwch bob pwynt cyn i chi ei gyflwyno eto", "rhestr tasgau", "Ydych chi’n derbyn y pwynt ar “",
         "Beth a newidiwyd gennych, neu pam nad ydych yn ei dderbyn",
         never=("Answer the challenge from round", "returned the assessment", "Answer every point",
                "Change the sections themselves", "Do you accept the point", "What you changed, or why"))

    response = client.post(f"/assessments/{assessment.id}/respond", data={
        "lock_version": fresh(assessment.id).lock_version, f"response_{point.id}": "accepted",
        f"text_{point.id}": ""})
    assert [e.split("“")[0] for e in errors_on(response)] == ["Dywedwch beth a newidiwyd gennych mewn ateb i’r pwynt ar "]


def test_the_decision_maker_signs_in_welsh_and_a_wrong_password_is_refused_in_welsh(world, client, auth):
    assessment = world.make_assessment("awaiting_sign_off")
    in_welsh(auth, world.decider)
    url = f"/assessments/{assessment.id}/actions/sign_off"
    shown = client.get(url)
    page = BeautifulSoup(shown.data, "html.parser")
    headings = [h.get_text(strip=True) for h in page.select(".app-summary h2, .app-summary h3")]
    assert headings == ["Crynodeb ar gyfer y gwneuthurwr penderfyniadau", "Effeithiau andwyol", "Themâu’r ymgynghoriad",
                        "Canlyniad", "Pwyntiau her na dderbyniodd yr awdur"]
    text = main_text(shown)
    says(text, "Eich llofnod", "Rwy’n cadarnhau bod y datganiad uchod yn wir",
         "Rhowch eich cyfrinair i gadarnhau mai chi sydd yno", "Caiff eich llofnod ei gofnodi gyda’ch enw",
         "Darllen yr asesiad cyfan", "Darllen cofnod yr her", "1 rownd o her gan arweinydd cydraddoldeb",
         "1 cam gweithredu yn y cynllun gweithredu.", "Dim: derbyniodd yr awdur bob pwynt",
         never=("Your signature", "I confirm the statement above is true", "Enter your password to confirm",
                "The password you sign in with", "Read the whole assessment", "Read the challenge ledger",
                "round of challenge", "in the action plan", "Summary for the decision-maker", "Planned decision date",
                "None: the author accepted"))

    lock = page.select_one("input[name=lock_version]")["value"]
    refused = client.post(url, data={"comment": "", "lock_version": lock, "attest": "y", "password": "not mine"})
    assert refused.status_code == 422
    assert errors_on(refused) == ["Nid yw’r cyfrinair yn gywir. Rhowch y cyfrinair rydych yn ei ddefnyddio i fewngofnodi"]
    refused = client.post(url, data={"comment": "", "lock_version": lock, "password": "not mine"})
    assert "Cadarnhewch y datganiad i lofnodi: ticiwch y blwch os yw’n wir" in errors_on(refused)
    says(main_text(refused), never=("The password is not correct", "Confirm the statement to sign"))
    assert fresh(assessment.id).state == "awaiting_sign_off"


@pytest.mark.parametrize("state,welsh,english", [
    ("screening", ("Beth allwch chi ei wneud", "Yr asesiad", "adran wedi’u cwblhau.", "Parhau â’r asesiad: rhestr tasgau",
                   "Lawrlwytho fel PDF (drafft)", "Swyddog arweiniol", "Awdurdodaeth", "Cofnod yr her",
                   "Dim adolygiad her eto.", "Hanes"),
     ("What you can do", "sections completed", "Continue the assessment", "Download as PDF", "Lead officer",
      "Jurisdiction", "Challenge ledger", "No challenge review yet", "History")),
    ("signed_off", ("Cymeradwyaeth", "Llofnodion ar y fersiwn hon (amseroedd yn UTC)", "Llofnodwyd gan", "Fersiwn 1",
                    "Stwnsh y cynnwys (SHA-256)", "Gwiriwyd nawr: mae’r cynnwys yn dal i gyfateb",
                    "Llofnododd pob un:", "Cynnydd y cynllun gweithredu", "Cam gweithredu 1",
                    "Diweddaru’r cynnydd ar gam gweithredu 1", "I’w gwblhau erbyn",
                    "Lawrlwytho fel PDF (fel y’i cymeradwywyd)", "Adroddiad monitro: cynnydd ar y camau gweithredu",
                    "Cyflwynwyd", "penderfynwyd gan"),
     ("Signatures on this version", "Signed by", "Content hash", "Checked now", "Each signed:",
      "Action plan progress", "Update progress", "Download as PDF", "Monitoring report:", "decided by")),
])
def test_the_overview_in_welsh(world, client, auth, state, welsh, english):
    assessment = world.make_assessment(state)
    in_welsh(auth, world.author)
    says(main_text(client.get(f"/assessments/{assessment.id}")), *welsh, never=english)


def test_the_lead_sees_a_review_button_in_welsh(world, client, auth):
    assessment = world.make_assessment("challenge")
    in_welsh(auth, world.lead)
    says(main_text(client.get(f"/assessments/{assessment.id}")), "Adolygu’r asesiad", "Rownd 1: yn cael ei hadolygu",
         never=("Review the assessment", "There is nothing for you to do"))


def test_the_monitoring_report_and_action_progress_in_welsh(world, client, auth):
    assessment = world.make_assessment("signed_off")
    action = fresh(assessment.id).actions[0]
    db.session.execute(sa.update(type(action)).values(due_date=date.today() - timedelta(days=3)))
    db.session.commit()
    in_welsh(auth, world.author)
    report = client.get(f"/assessments/{assessment.id}/monitoring")
    assert title_of(report).startswith("Adroddiad monitro – ")
    says(main_text(report), "Adroddiad monitro", "1 o 1 cam gweithredu yn hwyr", "Lawrlwytho’r adroddiad hwn fel PDF",
         "Y camau gweithredu a addawyd a’u cynnydd", "Cam gweithredu 1", "Mesur llwyddiant",
         "Y cynnydd diweddaraf", "Dim cynnydd wedi’i gofnodi", "Yn hwyr",
         "Effeithiau a ragwelwyd o’u cymharu â’r effeithiau gwirioneddol", "Heb ei adolygu eto:",
         "Rhagwelwyd yn fersiwn 1", "Effaith wirioneddol", "Tystiolaeth",
         never=("Monitoring report", "actions overdue", "action overdue", "Download this report",
                "Actions promised", "Success measure", "Latest progress", "No progress recorded", "Overdue",
                "Predicted against actual", "Not yet reviewed", "Predicted in version", "Actual impact"))

    assert back_link(report) == "Yn ôl i’r asesiad"

    update = f"/assessments/{assessment.id}/action/{action.id}/progress"
    page = client.get(update)
    assert title_of(page).startswith("Diweddaru’r cynnydd ar gam gweithredu 1")
    says(main_text(page), "Diweddaru’r cynnydd ar gam gweithredu 1", "Statws nawr",
         "Nid yw’r cynllun gweithredu a gymeradwywyd yn newid", "Cadw’r cynnydd",
         never=("Update progress on action", "Status now", "The signed action plan does not change", "Save progress"))
    assert back_link(page) == "Yn ôl"
    today = date.today()
    refused = client.post(update, data={"status": "dropped", "note": "", "evidence": "",
                                        "dated": [str(today.day), str(today.month), str(today.year)]})
    assert "Dywedwch pam y rhoddwyd y gorau i’r cam gweithredu" in errors_on(refused)
    done = client.post(update, data={"status": "in_progress", "note": "Counting started", "evidence": "",
                                     "dated": [str(today.day), str(today.month), str(today.year)]})
    assert done.status_code == 302
    says(main_text(client.get(f"/assessments/{assessment.id}")), "Cofnodwyd cynnydd ar gam gweithredu 1",
         "Y diweddariad diweddaraf", "wedi’i gofnodi gan",
         never=("Progress on action 1 recorded", "Latest update", "recorded by"))


def test_my_actions_and_the_overdue_actions_in_welsh(world, client, auth):
    assessment = world.make_assessment("signed_off")
    in_welsh(auth, world.author)
    mine = client.get("/my-actions")
    assert title_of(mine).startswith("Fy nghamau gweithredu")
    says(main_text(mine), "Fy nghamau gweithredu", "Camau gweithredu asesiadau wedi’u cymeradwyo sy’n eiddo i chi",
         "1 cam gweithredu", "Cam gweithredu 1 o Library opening hours", "Perchennog", "I’w gwblhau erbyn",
         "Cynnydd", "Cofnodi cynnydd",
         never=("My actions", "The actions of signed assessments", "1 action", "Action 1 of", "Owner", "Due",
                "Progress", "Record progress"))

    auth.sign_out()
    in_welsh(auth, world.lead)
    none_yet = main_text(client.get("/actions/overdue"))
    says(none_yet, "Camau gweithredu hwyr", "Unrhyw gyfarwyddiaeth", "Hidlo",
         "Nid oes unrhyw gam gweithredu yn hwyr.",
         never=("Overdue actions", "Any directorate", "Filter", "No action is overdue"))
    action = fresh(assessment.id).actions[0]
    db.session.execute(sa.update(type(action)).values(due_date=date.today() - timedelta(days=2)))
    db.session.commit()
    overdue = main_text(client.get("/actions/overdue"))
    says(overdue, "1 cam gweithredu sy’n hwyr", "2 ddiwrnod", "Yn hwyr o",
         "Lawrlwytho’r camau gweithredu hyn fel taenlen (CSV)",
         never=("1 overdue action", "2 days", "Overdue by", "Download these actions"))
    spreadsheet = client.get("/actions/overdue.csv").data.decode("utf-8-sig").splitlines()
    assert spreadsheet[0].startswith("Asesiad,Cyfeirnod,Cyfarwyddiaeth,Rhif y cam gweithredu")


def test_refusals_are_logged_in_english_whatever_the_page_says(world, client, auth, caplog):
    assessment = world.make_assessment("awaiting_sign_off")
    in_welsh(auth, world.decider)
    url = f"/assessments/{assessment.id}/actions/sign_off"
    lock = BeautifulSoup(client.get(url).data, "html.parser").select_one("input[name=lock_version]")["value"]
    with caplog.at_level("WARNING", logger="eqia.workflow.engine"):
        client.post(url, data={"comment": "", "lock_version": lock, "attest": "y", "password": "not mine"})
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "eqia.workflow.engine")
    assert "The password is not correct" in logged and "cyfrinair" not in logged
