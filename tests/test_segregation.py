"""Nobody checks their own work, on every path to sign-off, admins included."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import pytest
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.interchange.exporter import export
from eqia.interchange.importer import import_documents
from eqia.interchange.restore import restore_documents
from eqia.services import challenge
from eqia.services import content as full_content
from eqia.services.assessments import mark_section, update_register_details
from eqia.services.errors import Forbidden
from eqia.services.workflow import allowed_transitions, participants_for, perform_transition
from eqia.workflow.definition import SOD_PARTIES
from tests.conftest import PASSWORD, STANDARD, World, audit_count, path_to
from tests.test_api import api, is_problem  # noqa: F401  (api is a fixture)
from tests.test_restore import elsewhere, other_databases  # noqa: F401  (fixtures)


def test_author_cannot_sign_off_own_assessment_even_holding_every_role(world):
    everything = world.make_user("everything@example.test", AUTHOR, EQUALITY_LEAD, DECISION_MAKER, ADMIN,
                                 commit=True)
    assessment = world.make_assessment(author=everything)
    world.drive(assessment, "awaiting_sign_off")
    with pytest.raises(Forbidden) as refused:
        perform_transition(assessment.id, "sign_off", everything)
    assert refused.value.problems[0].message == STANDARD.segregation["sign_off"].message


@pytest.mark.parametrize("step", ["submit_for_challenge", "approve", "return_to_author"])
def test_whoever_submitted_or_challenged_cannot_sign(world, step):
    # One person holding author, lead and decision-maker roles takes `step`; the
    # rest of the path is taken by others. They may never sign that version.
    multi = world.make_user("multi@example.test", AUTHOR, EQUALITY_LEAD, DECISION_MAKER, commit=True)
    assessment = world.make_assessment("full_assessment")
    if step == "submit_for_challenge":
        perform_transition(assessment.id, "submit_for_challenge", multi)
        perform_transition(assessment.id, "approve", world.lead)
    elif step == "approve":
        perform_transition(assessment.id, "submit_for_challenge", world.author)
        perform_transition(assessment.id, "approve", multi)
    else:
        perform_transition(assessment.id, "submit_for_challenge", world.author)
        perform_transition(assessment.id, "return_to_author", multi, comment="Add evidence")
        world.answer_challenge(assessment)
        perform_transition(assessment.id, "submit_for_challenge", world.author)
        perform_transition(assessment.id, "approve", world.lead)
    with pytest.raises(Forbidden):
        perform_transition(assessment.id, "sign_off", multi)
    perform_transition(assessment.id, "sign_off", world.decider, attested=True, password=PASSWORD)
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).state == "signed_off"


def test_someone_who_edited_the_content_cannot_sign(world):
    editor_and_signer = world.make_user("edits@example.test", AUTHOR, DECISION_MAKER, commit=True)
    assessment = world.make_assessment("full_assessment")
    from eqia.services.assessments import update_register_details

    update_register_details(assessment.id, editor_and_signer, {"aims": "Rewritten aims"}, assessment.lock_version,
                            complete=True)
    world.take(assessment, "submit_for_challenge")
    world.take(assessment, "approve")
    with pytest.raises(Forbidden):
        perform_transition(assessment.id, "sign_off", editor_and_signer)


def test_admin_has_no_bypass(world):
    admin_signer = world.make_user("admin-signer@example.test", ADMIN, DECISION_MAKER, AUTHOR, commit=True)
    assessment = world.make_assessment(author=admin_signer)
    world.drive(assessment, "awaiting_sign_off")
    with pytest.raises(Forbidden):
        perform_transition(assessment.id, "sign_off", admin_signer)


def test_screen_out_cannot_be_agreed_by_whoever_proposed_it(world):
    both = world.make_user("both@example.test", AUTHOR, EQUALITY_LEAD, commit=True)
    assessment = world.make_assessment(author=both)
    perform_transition(assessment.id, "propose_screen_out", both, comment="No differential effect")
    with pytest.raises(Forbidden) as refused:
        perform_transition(assessment.id, "agree_screen_out", both, comment="Agreed")
    assert refused.value.problems[0].message == STANDARD.segregation["agree_screen_out"].message
    perform_transition(assessment.id, "agree_screen_out", world.lead, comment="Agreed")


def test_sign_off_button_is_not_offered_to_an_excluded_person(world, client, auth):
    multi = world.make_user("multi@example.test", AUTHOR, DECISION_MAKER, commit=True)
    assessment = world.make_assessment(author=multi)
    world.drive(assessment, "awaiting_sign_off")
    auth.sign_in(multi)
    page = client.get(f"/assessments/{assessment.id}").data.decode()
    assert f"/assessments/{assessment.id}/actions/sign_off" not in page
    response = client.post(f"/assessments/{assessment.id}/actions/sign_off", data={"comment": ""})
    assert response.status_code == 403
    assert "must be independent" in response.data.decode()


def _refused_on_the_page(client, auth, user, assessment_id: int, trigger: str, message: str) -> None:
    auth.sign_in(user)
    page = BeautifulSoup(client.get(f"/assessments/{assessment_id}").data, "html.parser")
    assert page.find("a", href=f"/assessments/{assessment_id}/actions/{trigger}") is None
    response = client.post(f"/assessments/{assessment_id}/actions/{trigger}",
                           data={"comment": "Trying anyway", "attest": "y", "password": PASSWORD})
    assert response.status_code == 403
    assert message in " ".join(BeautifulSoup(response.data, "html.parser").get_text().split())
    auth.sign_out()


def _refused_over_the_api(api, user, assessment_id: int, trigger: str, message: str) -> None:
    api.as_user(user)
    response = api.post(f"/assessments/{assessment_id}/actions/{trigger}",
                        json={"comment": "Trying anyway", "attested": True, "password": PASSWORD})
    body = is_problem(response, 403)
    assert body["detail"] == message
    api.token = None


@pytest.mark.parametrize("how", ["page", "api"])
def test_whoever_answered_the_challenge_cannot_sign_it_off(how, world, client, auth, api):
    # Issue 14, item 1: the answers are part of the signed ledger.
    responder = world.make_user("responder@example.test", AUTHOR, DECISION_MAKER, commit=True)
    assessment = world.make_assessment("challenge")
    perform_transition(assessment.id, "return_to_author", world.lead,
                       comment="Say where the survey came from")
    db.session.expire_all()
    current = db.session.get(Assessment, assessment.id)
    point = challenge.unanswered(current)[0]
    if how == "page":
        auth.sign_in(responder)
        response = client.post(f"/assessments/{assessment.id}/respond", data={
            "lock_version": current.lock_version, f"response_{point.id}": "accepted",
            f"text_{point.id}": "Named the survey and its date"})
        assert response.status_code == 302, response.data.decode()[:2000]
        auth.sign_out()
    else:
        api.as_user(responder)
        response = api.post(f"/assessments/{assessment.id}/challenge-answers", json={
            "lock_version": current.lock_version,
            "answers": {point.section_key: {"response": "accepted",
                                            "text": "Named the survey and its date"}}})
        assert response.status_code == 200, response.data[:2000]
        api.token = None
    world.take(assessment, "submit_for_challenge")
    world.take(assessment, "approve")
    message = STANDARD.segregation["sign_off"].message
    _refused_on_the_page(client, auth, responder, assessment.id, "sign_off", message)
    _refused_over_the_api(api, responder, assessment.id, "sign_off", message)
    perform_transition(assessment.id, "sign_off", world.decider, attested=True, password=PASSWORD)


# ---------------------------------------------------------------------------
# Generated from the definition: for every rule, and every kind of participant
# it excludes, someone who took part in the version only that way (as far as the
# way allows: an importer is also the version's creator) is refused the rule's
# trigger with the rule's message, on the pages and over the API, while someone
# independent holding the same roles may take it.

@dataclass(frozen=True)
class Way:
    """One way of taking part in a version: `start` makes the version (as the
    participant), or `act` does something to it in the state `at`."""

    kind: str
    name: str
    roles: tuple[str, ...]
    at: str = STANDARD.initial
    start: Callable | None = None
    act: Callable | None = None


def _lock(assessment_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).lock_version


def _import(world, user, target, request):
    source = world.make_assessment()
    made = import_documents(json.loads(json.dumps(export(source))), lambda prefix, doc: user, source="a test")
    a = made[0].assessment
    world.write_screening(a, world.author)
    return a


def _restore(world, user, target, request):
    # Made on another service by people with the same addresses as this one's, and restored here.
    other = request.getfixturevalue("elsewhere")
    with other.app_context():
        there = World()
        doc = json.loads(json.dumps(export(there.make_assessment(target))))
    return restore_documents(doc, user, source="a test")[0][0]


def _edit_content(world, user, a):
    update_register_details(a.id, user, {"aims": "Rewritten aims"}, _lock(a.id), complete=True)


def _mark_only(world, user, a):
    mark_section(a.id, user, _lock(a.id), "register_details", False)
    mark_section(a.id, user, _lock(a.id), "register_details", True)


def _add_action(world, user, a):
    full_content.save_item(full_content.ACTIONS, a.id, user, _lock(a.id), None, {
        "description": "Count visits by disability", "owner": "Sam Lee",
        "due_date": date.today() + timedelta(days=60), "success_measure": "Monthly report",
        "status": "not_started"})
    mark_section(a.id, world.author, _lock(a.id), "action_plan", True)


def _record_points(world, user, a):
    challenge.save_points(a.id, user, {"evidence": challenge.PointInput("could_be_improved",
                                                                        "Date the survey")})


def _answer_points(world, user, a):
    perform_transition(a.id, "return_to_author", world.lead, comment="Say where the survey came from")
    db.session.expire_all()
    current = db.session.get(Assessment, a.id)
    challenge.save_answers(a.id, user, current.lock_version, {
        p.id: challenge.AnswerInput("accepted", "Named the survey") for p in challenge.unanswered(current)})


def _take(trigger):
    def act(world, user, a):
        perform_transition(a.id, trigger, user, comment="Reasons given", attested=True, password=PASSWORD)
    return act


WAYS = {
    "creator": [Way("creator", "creator", (AUTHOR,), start=lambda w, u, t, r: w.make_assessment(author=u))],
    "editors": [Way("editors", "content-save", (AUTHOR,), act=_edit_content),
                Way("editors", "completion-mark", (AUTHOR,), act=_mark_only),
                Way("editors", "action-plan", (AUTHOR,), at="full_assessment", act=_add_action)],
    "importers": [Way("importers", "importer", (AUTHOR,), start=_import)],
    "restorers": [Way("restorers", "restorer", (ADMIN,), start=_restore)],
    "challengers": [Way("challengers", "challenger", (EQUALITY_LEAD,), at="challenge", act=_record_points)],
    "responders": [Way("responders", "responder", (AUTHOR,), at="challenge", act=_answer_points)],
}


def ways_of(kind: str) -> list[Way]:
    if kind in SOD_PARTIES:
        return WAYS[kind]
    t = STANDARD.transitions[kind]
    return [Way(kind, f"{kind}-from-{source}", (min(t.roles),), at=source, act=_take(kind))
            for source in t.sources]


def reaches(start: str, target: str) -> bool:
    try:
        path_to(target, start)
    except AssertionError:
        return False
    return True


def target_of(trigger: str, way: Way) -> str | None:
    """The state, of those the trigger can be taken from, that the way can lead to."""
    after = STANDARD.transitions[way.kind].dest_from(way.at) if way.kind in STANDARD.transitions else way.at
    if way.kind == "responders":
        after = "full_assessment"  # the challenge came back, and was answered
    return next((s for s in STANDARD.transitions[trigger].sources
                 if reaches(STANDARD.initial, way.at) and reaches(after, s)), None)


def _cases() -> list[tuple[str, Way, tuple[str, ...]]]:
    """(state, way, triggers): a version brought to `state` with someone who took
    part in it that way, and the triggers possible there that exclude them. One
    version serves every trigger of its state (sign off and return for more work)."""
    found: dict[tuple[str, str], tuple[Way, list[str]]] = {}
    for rule in STANDARD.segregation.values():
        for kind in rule.excluded:
            for way in ways_of(kind):
                state = target_of(rule.trigger, way)
                if state:
                    found.setdefault((state, way.name), (way, []))[1].append(rule.trigger)
    return [(state, way, tuple(triggers)) for (state, _), (way, triggers) in found.items()]


CASES = _cases()


def test_every_kind_of_participant_the_definition_names_has_a_generated_case():
    assert set(WAYS) == set(SOD_PARTIES)
    for rule in STANDARD.segregation.values():
        for kind in rule.excluded:
            assert any(rule.trigger in triggers and way.kind == kind for _, way, triggers in CASES), \
                (rule.trigger, kind)


@pytest.mark.parametrize("target,way,triggers", CASES, ids=[f"{s}-{w.name}" for s, w, _ in CASES])
def test_a_participant_is_refused_the_excluded_triggers(target, way, triggers, world, client, auth, api,
                                                        request):
    transitions = [STANDARD.transitions[t] for t in triggers]
    roles = (*way.roles, *sorted({min(t.roles) for t in transitions}))
    user = world.make_user(f"{way.name}@example.test", *roles, commit=True)
    if way.start is not None:
        a = way.start(world, user, target, request)
    else:
        a = world.make_assessment(way.at)
        way.act(world, user, a)
        db.session.expire_all()
        if db.session.get(Assessment, a.id).state == "full_assessment":
            # As the crew does when work comes back (World.take): written, and any challenge answered.
            world.write_full_assessment(a, a.created_by)
            world.answer_challenge(a)
    world.drive(a, target)
    db.session.expire_all()
    a = db.session.get(Assessment, a.id)
    assert a.state == target
    # Who took part, derived from what is stored, counts this way of taking part.
    assert user.id in participants_for([a])[a.id].excluded((way.kind,))
    independent = world.make_user("independent@example.test", *roles, commit=True)
    assert set(transitions) <= set(allowed_transitions(independent, a))
    events = audit_count()
    for trigger in triggers:
        message = STANDARD.segregation[trigger].message
        _refused_on_the_page(client, auth, user, a.id, trigger, message)
        _refused_over_the_api(api, user, a.id, trigger, message)
    db.session.expire_all()
    assert db.session.get(Assessment, a.id).state == target
    assert audit_count() == events


def test_the_people_of_a_restored_trail_are_its_participants_here(world, request):
    restorer = world.make_user("restorer@example.test", ADMIN, commit=True)
    a = _restore(world, restorer, "awaiting_sign_off", request)
    who = participants_for([a])[a.id]
    # Matched by address: the author and the lead there are this service's author and lead.
    assert world.author.id in who.excluded(("editors",)) & who.excluded(("submit_for_challenge",))
    assert world.lead.id in who.excluded(("approve",))
    assert restorer.id in who.excluded(("restorers",)) and restorer.id not in who.excluded(("editors",))
    world.lead.set_roles([EQUALITY_LEAD, DECISION_MAKER])
    db.session.commit()
    with pytest.raises(Forbidden) as refused:
        perform_transition(a.id, "sign_off", world.lead, attested=True, password=PASSWORD)
    assert refused.value.problems[0].message == STANDARD.segregation["sign_off"].message
