"""Every role x state x trigger combination, generated from the workflow
definition and tried through the pages: each allowed one succeeds; every other
is refused with 403 or 409 and changes neither the state nor the audit trail."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.models import Assessment
from eqia.roles import ROLES
from tests.conftest import PASSWORD, STANDARD, audit_count

USER_TRIGGERS = [t for t in STANDARD.transitions.values() if not t.system]


def allowed(state: str, role: str, trigger) -> bool:
    return state in trigger.sources and role in trigger.roles


def expected_refusal(state: str, role: str, trigger) -> int:
    return 409 if state not in trigger.sources else 403


def expected_refusal_text(state: str, trigger) -> str:
    """Built from the definition's words: a state's phrase, a transition's label."""
    if state not in trigger.sources:
        return f"This action is not possible while the assessment is {STANDARD.states[state].phrase}."
    return f"You do not have a role that can take the action \u201c{trigger.label}\u201d on this assessment."


def expected_done_text(state: str, trigger) -> str:
    after = trigger.dest_from(state)
    return f"{trigger.done}. The assessment is {'now' if after != state else 'still'} {STANDARD.states[after].phrase}."


def banner(page: bytes) -> str:
    found = BeautifulSoup(page, "html.parser").select_one(".govuk-notification-banner__content")
    return found.get_text(" ", strip=True) if found else ""


def test_the_words_for_each_state_and_action_read_as_english():
    """The definition gives every state a phrase and every transition a done message (the
    schema requires them), so no message is made by lower-casing a label."""
    for state in STANDARD.states.values():
        assert state.phrase and state.phrase == state.phrase.strip() and not state.phrase.endswith(".")
    for trigger in STANDARD.transitions.values():
        assert trigger.done[0].isupper() and not trigger.done.endswith(".")
    assert expected_done_text("screening", STANDARD.transitions["start_full_assessment"]) == \
        "Full assessment started. The assessment is now in full assessment."
    assert expected_done_text("published", STANDARD.transitions["start_review"]) == \
        "Review started as a new version. The assessment is still published."
    assert expected_refusal_text("screen_out_proposed", STANDARD.transitions["agree_screen_out"]) == \
        "You do not have a role that can take the action \u201cAgree screen-out\u201d on this assessment."


def action_url(assessment_id: int, trigger: str) -> str:
    return f"/assessments/{assessment_id}/actions/{trigger}"


@pytest.mark.parametrize("state", list(STANDARD.states))
def test_every_refused_combination_changes_nothing(state, world, client, auth):
    assessment = world.make_assessment(state)
    state_before, lock_before = assessment.state, assessment.lock_version
    events_before = audit_count()
    for role in ROLES:
        # A fresh user with only this role, who has never touched the assessment,
        # so segregation of duties is not what refuses them.
        user = world.make_user(f"{role}-{state}@example.test", role, commit=True)
        auth.sign_in(user)
        page = BeautifulSoup(client.get(f"/assessments/{assessment.id}").data, "html.parser")
        for trigger in USER_TRIGGERS:
            button = page.find("a", href=action_url(assessment.id, trigger.trigger))
            if allowed(state, role, trigger):
                assert button is not None, f"{role} should see {trigger.trigger} in {state}"
                continue
            assert button is None, f"{role} sees {trigger.trigger} in {state}"
            response = client.post(action_url(assessment.id, trigger.trigger), data={"comment": "Trying anyway"})
            assert response.status_code == expected_refusal(state, role, trigger), (role, state, trigger.trigger)
            assert expected_refusal_text(state, trigger) in BeautifulSoup(response.data, "html.parser").get_text(
                " ", strip=True), (role, state, trigger.trigger)
        auth.sign_out()
    db.session.expire_all()
    after = db.session.get(Assessment, assessment.id)
    assert (after.state, after.lock_version) == (state_before, lock_before)
    assert audit_count() == events_before


ALLOWED = [(state, role, t) for state in STANDARD.states for role in ROLES for t in USER_TRIGGERS
           if allowed(state, role, t)]


@pytest.mark.parametrize("state,role,trigger", ALLOWED,
                         ids=[f"{s}-{r}-{t.trigger}" for s, r, t in ALLOWED])
def test_every_allowed_combination_succeeds(state, role, trigger, world, client, auth):
    assessment = world.make_assessment(state)
    events_before = audit_count(assessment.id)
    user = world.make_user(f"fresh-{role}@example.test", role, commit=True)
    auth.sign_in(user)
    # A signature needs its attestation ticked and the password again; every
    # other action ignores both.
    response = client.post(action_url(assessment.id, trigger.trigger),
                           data={"comment": "Reasons given", "attest": "y", "password": PASSWORD})
    assert response.status_code == 302, response.data.decode()[:2000]
    assert banner(client.get(response.headers["Location"]).data) == expected_done_text(state, trigger)
    db.session.expire_all()
    after = db.session.get(Assessment, assessment.id)
    assert after.state == trigger.dest_from(state)
    assert audit_count(assessment.id) == events_before + 1
