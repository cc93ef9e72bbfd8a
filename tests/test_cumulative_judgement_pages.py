"""The cumulative judgement's pages (issue 18): started from the programme's side by side, written on a form
(bad input gets a message and loses nothing, a stale save is refused with what was typed kept), challenged and
signed with the buttons its workflow definition gives, and waiting on the decision-maker's page."""

from __future__ import annotations

import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import CumulativeJudgement
from tests.test_cumulative_judgements import BUDGET, HOSTILE, budget, fresh, take, written  # noqa: F401
from tests.conftest import PASSWORD


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


def posted(judgement, **overrides) -> dict:
    values = {"group-age": "Older people are hit twice.", "group-sex": "", "conclusion": HOSTILE,
              "mitigations": "Keep two libraries open late.", "lock_version": str(judgement.lock_version)}
    values.update(overrides)
    return values


def test_a_lead_starts_the_judgement_from_the_side_by_side_and_writes_it(client, auth, world, budget):
    auth.sign_in(world.lead)
    side = page(client.get(f"/programme/cumulative?programme={BUDGET}"))
    assert side.select_one("#judgement + p + form button").get_text(strip=True) == "Write the cumulative judgement"
    response = client.post("/programme/judgements/new", data={"programme": BUDGET.upper()})
    made = db.session.scalars(sa.select(CumulativeJudgement)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/programme/judgements/{made.id}/edit")
    form = page(client.get(f"/programme/judgements/{made.id}/edit"))
    assert form.select_one("label[for=group-age]").get_text(strip=True) == "Age"
    assert client.post(f"/programme/judgements/{made.id}/edit", data=posted(made)).status_code == 302
    shown = client.get(f"/programme/judgements/{made.id}")
    assert HOSTILE.encode() not in shown.data and b"&lt;script&gt;" in shown.data
    soup = page(shown)
    assert soup.select_one("#conclusion").get_text(strip=True) == HOSTILE
    assert [a.get_text(strip=True) for a in soup.select(".govuk-button-group a")] == [
        "Write the judgement", "Send for challenge"]
    assert len(soup.select("#side-by-side thead th")) == 4  # group, two assessments, negatives
    # Back on the side by side, the programme's judgement is linked, not started again.
    side = page(client.get(f"/programme/cumulative?programme={BUDGET}"))
    assert side.select_one("#judgement + p a")["href"] == f"/programme/judgements/{made.id}"


def test_too_long_or_hostile_input_is_refused_with_a_message_and_nothing_typed_is_lost(client, auth, world, budget):
    made = written(world)
    auth.sign_in(world.lead)
    response = client.post(f"/programme/judgements/{made.id}/edit",
                           data=posted(made, conclusion="x" * 10_001, mitigations="a\x00b"))
    assert response.status_code == 422
    assert "This must be 10,000 characters or fewer" in errors_of(response)
    soup = page(response)
    assert soup.select_one("#group-age").get_text() == "Older people are hit twice."
    assert len(soup.select_one("#conclusion").get_text()) == 10_001
    assert fresh(made).conclusion == "Proceed, with the mitigations below."
    # A post that is not the page's (no lock version seen) is refused, and blanks nothing.
    assert client.post(f"/programme/judgements/{made.id}/edit", data={}).status_code == 400
    assert fresh(made).conclusion == "Proceed, with the mitigations below."


def test_a_stale_save_is_refused_and_what_was_typed_stays(client, auth, world, budget):
    made = written(world)
    seen = made.lock_version
    auth.sign_in(world.lead)
    assert client.post(f"/programme/judgements/{made.id}/edit", data=posted(made, conclusion="First")).status_code \
        == 302
    stale = client.post(f"/programme/judgements/{made.id}/edit",
                        data=posted(made, conclusion="Mine, typed meanwhile", lock_version=str(seen)))
    assert stale.status_code == 409
    assert errors_of(stale) == ["Someone else changed this judgement while you were working on it. Check what "
                                "changed, then try again."]
    assert page(stale).select_one("#conclusion").get_text() == "Mine, typed meanwhile"
    assert fresh(made).conclusion == "First"


def test_challenge_and_signing_follow_the_definition_and_the_decision_maker_sees_what_waits(client, auth, world,
                                                                                             budget):
    made = take(world.lead, written(world), "submit_judgement")
    auth.sign_in(world.lead)
    # The author of the judgement is offered no challenge of it, and is refused one.
    assert page(client.get(f"/programme/judgements/{made.id}")).select(".govuk-button-group a") == []
    assert client.get(f"/programme/judgements/{made.id}/actions/approve_judgement").status_code == 403
    auth.sign_out()
    auth.sign_in(world.lead2)
    returned = client.post(f"/programme/judgements/{made.id}/actions/return_judgement",
                           data={"lock_version": str(made.lock_version), "comment": ""})
    assert returned.status_code == 422 and errors_of(returned) == [
        "Enter a comment: What must change before the judgement is sent for challenge again?"]
    assert client.post(f"/programme/judgements/{made.id}/actions/approve_judgement",
                       data={"lock_version": str(made.lock_version)}).status_code == 302
    auth.sign_out()
    auth.sign_in(world.decider)
    mine = page(client.get("/my-work"))
    assert mine.select_one("#judgements-waiting + ul a")["href"] == f"/programme/judgements/{made.id}"
    assert page(client.get("/programme/judgements")).select_one("#waiting a").get_text(strip=True) == \
        fresh(made).programme
    made = fresh(made)
    unattested = client.post(f"/programme/judgements/{made.id}/actions/sign_judgement",
                             data={"lock_version": str(made.lock_version)})
    assert unattested.status_code == 422
    assert client.post(f"/programme/judgements/{made.id}/actions/sign_judgement",
                       data={"lock_version": str(made.lock_version), "attest": "y",
                             "password": PASSWORD}).status_code == 302
    soup = page(client.get(f"/programme/judgements/{made.id}"))
    assert soup.select_one("#signature").get_text(" ", strip=True).startswith(f"Signed by {world.decider.name}")
    assert client.get(f"/programme/judgements/{made.id}/edit").status_code == 409
    auth.sign_out()
    auth.sign_in(world.lead)
    assert page(client.get(f"/programme/judgements/{made.id}")).select_one("#new-version button").get_text(
        strip=True) == "Write a new version"
    response = client.post(f"/programme/judgements/{made.id}/new-version")
    second = db.session.scalars(sa.select(CumulativeJudgement).where(CumulativeJudgement.id != made.id)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/programme/judgements/{second.id}/edit")
    assert (fresh(made).state, second.version_number) == ("signed", 2)


def test_authors_reach_no_judgement(client, auth, world, budget):
    made = written(world)
    auth.sign_in(world.author)
    assert client.get(f"/programme/judgements/{made.id}").status_code == 404
    assert client.get("/programme/judgements").status_code == 403
    assert client.post("/programme/judgements/new", data={"programme": BUDGET}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CumulativeJudgement)) == 1


def test_a_decision_maker_goes_back_to_their_list_not_to_the_keepers_side_by_side(client, auth, world, budget):
    made = written(world)
    auth.sign_in(world.decider)
    back = page(client.get(f"/programme/judgements/{made.id}")).select_one(".govuk-back-link")["href"]
    assert back == "/programme/judgements" and client.get(back).status_code == 200
