"""The challenge review: a lead records a status and a comment for each task,
returns or approves; the author answers every point; the whole exchange stays
on the record as the challenge ledger."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from markupsafe import escape

from eqia.extensions import db
from eqia.models import Assessment, ChallengeComment, ChallengeRound
from eqia.services import challenge
from eqia.services.challenge import AnswerInput, PointInput
from eqia.forms.base import NUL_CHARACTER
from eqia.services.errors import NUL_REFUSED, Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.services.workflow import perform_transition
from eqia.assessments import rules
from tests.conftest import PASSWORD, audit_count
from tests.test_assessment_pages import HOSTILE


def errors_on(response) -> list[str]:
    page = BeautifulSoup(response.data, "html.parser")
    return [a.get_text(" ", strip=True) for a in page.select(".govuk-error-summary__list a, .govuk-error-summary__list li")
            if a.name == "a" or not a.find("a")]


def reload(assessment) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment.id)


def test_submitting_opens_a_round_with_a_snapshot_of_the_content(world):
    assessment = world.make_assessment("challenge")
    rounds = reload(assessment).challenge_rounds
    assert [(r.number, r.decision) for r in rounds] == [(1, None)]
    assert '"register_details"' in rounds[0].content_snapshot


def test_lead_records_points_per_task_and_they_are_kept(world):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {
        "evidence": PointInput("to_correct", "Add the 2021 census data"),
        "characteristic:age": PointInput("could_be_improved", "Say which ages"),
        "outcome": PointInput("acceptable", ""),
    })
    points = {p.section_key: (p.status, p.comment) for p in reload(assessment).challenge_rounds[0].comments}
    assert points == {"evidence": ("to_correct", "Add the 2021 census data"),
                      "characteristic:age": ("could_be_improved", "Say which ages"), "outcome": ("acceptable", "")}


@pytest.mark.parametrize("point,message", [
    (PointInput("to_correct", "  "), challenge.comment_missing("Evidence", "to_correct")),
    (PointInput("could_be_improved", ""), challenge.comment_missing("Evidence", "could_be_improved")),
    (PointInput(None, "A comment with no status"), challenge.status_missing("Evidence")),
    (PointInput("brilliant", "Not a status"), challenge.status_missing("Evidence")),
    (PointInput("to_correct", "x" * 10_001), challenge.too_long("Evidence")),
])
def test_a_point_must_say_what_is_wrong_and_nothing_is_half_saved(world, point, message):
    assessment = world.make_assessment("challenge")
    events = audit_count(assessment.id)
    with pytest.raises(Invalid) as refused:
        challenge.save_points(assessment.id, world.lead, {"outcome": PointInput("acceptable", "Fine"),
                                                          "evidence": point})
    assert [p.message for p in refused.value.problems] == [message]
    assert reload(assessment).challenge_rounds[0].comments == []
    assert audit_count(assessment.id) == events


def test_only_a_lead_who_could_close_the_round_may_record_points(world):
    assessment = world.make_assessment("challenge")
    for user in (world.author, world.decider, world.admin):
        with pytest.raises(Forbidden):
            challenge.save_points(assessment.id, user, {"evidence": PointInput("to_correct", "Mine")})
    draft = world.make_assessment("full_assessment", title="Still being written")
    with pytest.raises(NotPossible):
        challenge.save_points(draft.id, world.lead, {"evidence": PointInput("to_correct", "Too early")})


def test_points_and_answers_on_an_assessment_that_is_not_there_are_not_found(world):
    missing = 10_000_000
    with pytest.raises(NotFound) as refused:
        challenge.save_points(missing, world.lead, {"evidence": PointInput("to_correct", "Where is it?")})
    assert [p.message for p in refused.value.problems] == ["Assessment not found"]
    with pytest.raises(NotFound) as refused:
        challenge.save_answers(missing, world.author, 1, {})
    assert [p.message for p in refused.value.problems] == ["Assessment not found"]


def test_return_needs_a_point_to_correct_or_an_overall_comment(world):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {"evidence": PointInput("could_be_improved", "More data")})
    with pytest.raises(NotPossible) as refused:
        perform_transition(assessment.id, "return_to_author", world.lead)
    assert [p.message for p in refused.value.problems] == [rules.RETURN_NEEDS_POINTS]
    perform_transition(assessment.id, "return_to_author", world.lead, comment="Please look again at the data")
    assert reload(assessment).state == "full_assessment"


def test_approve_is_refused_while_a_task_is_to_correct(world):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {"evidence": PointInput("to_correct", "Add census data")})
    with pytest.raises(NotPossible) as refused:
        perform_transition(assessment.id, "approve", world.lead)
    assert [p.message for p in refused.value.problems] == [rules.approve_blocked(["Evidence"])]
    challenge.save_points(assessment.id, world.lead, {"evidence": PointInput("acceptable", "")})
    perform_transition(assessment.id, "approve", world.lead)
    round_ = reload(assessment).challenge_rounds[0]
    assert (round_.decision, round_.challenger_id) == ("approve", world.lead.id)


def test_the_author_answers_every_point_before_submitting_again(world):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {
        "evidence": PointInput("to_correct", "Add census data"),
        "outcome": PointInput("acceptable", "Clear"),
    })
    perform_transition(assessment.id, "return_to_author", world.lead, comment="One gap")
    returned = reload(assessment)
    points = challenge.unanswered(returned)
    # The overall comment is a point too; "acceptable" needs no answer.
    assert sorted(p.section_key for p in points) == ["evidence", "overall"]
    with pytest.raises(NotPossible) as refused:
        perform_transition(assessment.id, "submit_for_challenge", world.author)
    assert [p.message for p in refused.value.problems] == [rules.points_unanswered(2, 1)]

    evidence = next(p for p in points if p.section_key == "evidence")
    overall = next(p for p in points if p.section_key == "overall")
    with pytest.raises(Invalid) as refused:
        challenge.save_answers(assessment.id, world.author, returned.lock_version,
                               {evidence.id: AnswerInput("not_accepted", " ")})
    assert [p.message for p in refused.value.problems] == [challenge.response_text_missing("Evidence", "not_accepted")]
    challenge.save_answers(assessment.id, world.author, returned.lock_version, {
        evidence.id: AnswerInput("accepted", "Added the census table"),
        overall.id: AnswerInput("not_accepted", "The gap is covered by the survey"),
    })
    perform_transition(assessment.id, "submit_for_challenge", world.author)
    after = reload(assessment)
    assert [r.number for r in after.challenge_rounds] == [1, 2]
    answered = {p.section_key: (p.response, p.response_text, p.responded_by_id) for p in after.challenge_rounds[0].comments}
    assert answered["evidence"] == ("accepted", "Added the census table", world.author.id)
    assert answered["overall"] == ("not_accepted", "The gap is covered by the survey", world.author.id)
    assert [(r, p.section_key) for r, p in challenge.not_accepted(after)] == [(after.challenge_rounds[0], "overall")]


def test_a_stale_answer_is_refused(world):
    assessment = world.make_assessment("challenge")
    perform_transition(assessment.id, "return_to_author", world.lead, comment="Look again")
    returned = reload(assessment)
    point_id, seen = challenge.unanswered(returned)[0].id, returned.lock_version
    challenge.save_answers(assessment.id, world.author, seen, {point_id: AnswerInput("accepted", "Done")})
    with pytest.raises(Conflict):
        challenge.save_answers(assessment.id, world.author, seen,
                               {point_id: AnswerInput("not_accepted", "Changed my mind")})
    assert reload(assessment).challenge_rounds[0].comments[0].response == "accepted"


def test_the_second_round_shows_what_changed_since_the_first(world, client, auth):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {"intersectional": PointInput("to_correct", "Consider carers")})
    perform_transition(assessment.id, "return_to_author", world.lead)
    from eqia.services import content

    current = reload(assessment)
    content.update_intersectional(assessment.id, world.author, current.lock_version,
                                  "Older carers are affected twice over", True)
    world.answer_challenge(assessment)
    perform_transition(assessment.id, "submit_for_challenge", world.author)
    after = reload(assessment)
    changes = challenge.changes_since_last_round(after, after.challenge_rounds[-1])
    assert list(changes) == ["intersectional"]
    assert changes["intersectional"][0].after == "Older carers are affected twice over"

    auth.sign_in(world.lead2)
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/review").data, "html.parser")
    assert [li.get_text(strip=True) for li in page.select("#changed-tasks li")] == [
        "Intersectional and cumulative effects"]
    task = page.select_one("#task-intersectional")
    assert "Changed since round 1" in task.get_text()
    assert "Older carers are affected twice over" in task.get_text()
    assert "Consider carers" in task.get_text()  # the round-1 point, with the author's answer beside it


def test_review_page_saves_points_and_goes_on_to_return(world, client, auth):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.lead)
    page = client.get(f"/assessments/{assessment.id}/review")
    assert page.status_code == 200
    response = client.post(f"/assessments/{assessment.id}/review", data={
        "status_evidence": "to_correct", "comment_evidence": "<script>alert(1)</script> add data",
        "status_characteristic__age": "acceptable", "then": "return_to_author"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/actions/return_to_author")
    response = client.post(f"/assessments/{assessment.id}/actions/return_to_author", data={"comment": ""})
    assert response.status_code == 302
    overview = client.get(f"/assessments/{assessment.id}").data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; add data" in overview
    assert "<script>alert(1)</script>" not in overview
    ledger = BeautifulSoup(overview, "html.parser").select_one("#round-1")
    assert "Return to author" in ledger.get_text() and "To correct" in ledger.get_text()


def test_review_page_errors_link_to_the_field_and_keep_the_text(world, client, auth):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.lead)
    response = client.post(f"/assessments/{assessment.id}/review", data={
        "status_evidence": "to_correct", "comment_evidence": "", "comment_outcome": "Kept text"})
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".govuk-error-summary__list a")}
    assert links == {challenge.comment_missing("Evidence", "to_correct"): "#comment_evidence",
                     challenge.status_missing("Outcome"): "#status_outcome"}
    assert page.select_one("#comment_outcome").get_text() == "Kept text"
    assert db.session.query(ChallengeComment).count() == 0


def test_review_page_is_refused_to_whoever_cannot_close_the_round(world, client, auth):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.author)
    assert client.get(f"/assessments/{assessment.id}/review").status_code == 403
    auth.sign_out()
    auth.sign_in(world.lead)
    draft = world.make_assessment("full_assessment", title="Draft")
    assert client.get(f"/assessments/{draft.id}/review").status_code == 409


def test_author_answers_on_the_page(world, client, auth):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {"evidence": PointInput("to_correct", "Add data")})
    perform_transition(assessment.id, "return_to_author", world.lead)
    point = challenge.unanswered(reload(assessment))[0]
    auth.sign_in(world.author)
    overview = client.get(f"/assessments/{assessment.id}").data.decode()
    assert "Answer the challenge" in overview
    response = client.post(f"/assessments/{assessment.id}/respond", data={
        "lock_version": reload(assessment).lock_version, f"response_{point.id}": "accepted", f"text_{point.id}": ""})
    assert response.status_code == 200
    assert challenge.response_text_missing("Evidence", "accepted") in response.data.decode()
    response = client.post(f"/assessments/{assessment.id}/respond", data={
        "lock_version": reload(assessment).lock_version, f"response_{point.id}": "accepted",
        f"text_{point.id}": "Added the census table"})
    assert response.status_code == 302
    assert challenge.unanswered(reload(assessment)) == []


def test_a_lead_who_recorded_points_is_a_challenger_and_cannot_sign(world):
    both = world.make_user("lead-and-signer@example.test", "equality_lead", "decision_maker", commit=True)
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, both, {"outcome": PointInput("acceptable", "Fine")})
    perform_transition(assessment.id, "approve", world.lead)
    with pytest.raises(Forbidden):
        perform_transition(assessment.id, "sign_off", both, attested=True, password=PASSWORD)


def test_the_ledger_is_never_lost_across_rounds(world):
    assessment = world.make_assessment("challenge")
    perform_transition(assessment.id, "return_to_author", world.lead, comment="Round one")
    world.answer_challenge(assessment)
    perform_transition(assessment.id, "submit_for_challenge", world.author)
    perform_transition(assessment.id, "approve", world.lead2, comment="Good now")
    rounds = reload(assessment).challenge_rounds
    assert [(r.number, r.decision, r.overall_comment) for r in rounds] == [
        (1, "return_to_author", "Round one"), (2, "approve", "Good now")]
    assert db.session.query(ChallengeRound).count() == 2


def test_the_task_list_asks_the_author_to_answer_the_challenge(world, client, auth):
    assessment = world.make_assessment("challenge")
    challenge.save_points(assessment.id, world.lead, {"evidence": PointInput("to_correct", "Add data")})
    perform_transition(assessment.id, "return_to_author", world.lead, comment="See the evidence point")
    auth.sign_in(world.author)
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/tasks").data, "html.parser")
    item = page.select_one("#task-challenge-1-status").find_parent("li")
    assert "Answer the 2 challenge points from round 1" in item.get_text(" ", strip=True)
    assert "Not yet started" in item.get_text()
    world.answer_challenge(assessment)
    page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/tasks").data, "html.parser")
    assert page.select_one("#task-challenge-1-status").get_text(strip=True) == "Completed"


# ------------------------------------------------------------ hostile input

HOSTILE_TEXTS = [*HOSTILE[:-1], "Line one\r\n<b>Line two</b> & \"three\"", "y" * challenge.TEXT_MAX]


def _ledger_html(client, assessment) -> str:
    return client.get(f"/assessments/{assessment.id}").data.decode()


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=lambda t: t[:20])
def test_hostile_review_comments_are_kept_verbatim_and_shown_escaped(world, client, auth, text):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.lead)
    response = client.post(f"/assessments/{assessment.id}/review",
                           data={"status_evidence": "to_correct", "comment_evidence": text})
    assert response.status_code == 302
    point = reload(assessment).challenge_rounds[0].comments[0]
    assert point.comment == text.replace("\r\n", "\n") or point.comment == text
    html = _ledger_html(client, assessment)
    for line in text.splitlines():
        assert str(escape(line)) in html
        assert line == str(escape(line)) or line not in html


@pytest.mark.parametrize("text,message", [
    ("before\x00after", NUL_REFUSED),
    ("y" * (challenge.TEXT_MAX + 1), challenge.too_long("Evidence")),
], ids=["nul", "too-long"])
def test_review_text_that_cannot_be_stored_is_refused_whole(world, client, auth, text, message):
    assessment = world.make_assessment("challenge")
    auth.sign_in(world.lead)
    events = audit_count()
    response = client.post(f"/assessments/{assessment.id}/review", data={
        "status_outcome": "acceptable", "comment_outcome": "A good answer alongside",
        "status_evidence": "to_correct", "comment_evidence": text})
    assert response.status_code == 200
    assert message in errors_on(response) or NUL_CHARACTER in errors_on(response)
    assert "A good answer alongside" in response.data.decode()
    assert reload(assessment).challenge_rounds[0].comments == []
    assert audit_count() == events


@pytest.mark.parametrize("text", [*HOSTILE_TEXTS, "before\x00after", "y" * (challenge.TEXT_MAX + 1)],
                         ids=lambda t: t[:20])
def test_hostile_answers_are_kept_verbatim_or_refused_whole(world, client, auth, text):
    assessment = world.make_assessment("challenge")
    perform_transition(assessment.id, "return_to_author", world.lead, comment="Look again")
    point = challenge.unanswered(reload(assessment))[0]
    auth.sign_in(world.author)
    before = reload(assessment).lock_version
    response = client.post(f"/assessments/{assessment.id}/respond", data={
        "lock_version": before, f"response_{point.id}": "not_accepted", f"text_{point.id}": text})
    saved = reload(assessment).challenge_rounds[0].comments[0]
    if "\x00" in text or len(text) > challenge.TEXT_MAX:
        assert response.status_code == 200
        assert errors_on(response)
        assert (saved.response, saved.response_text) == (None, "")
        assert reload(assessment).lock_version == before
    else:
        assert response.status_code == 302
        assert saved.response_text in (text, text.replace("\r\n", "\n"))
        html = _ledger_html(client, assessment)
        for line in text.splitlines():
            assert str(escape(line)) in html
