"""Nobody checks their own work, on every path to sign-off, admins included."""

from __future__ import annotations

import pytest

from eqia.extensions import db
from eqia.models import Assessment
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.services.errors import Forbidden
from eqia.services.workflow import perform_transition
from tests.conftest import PASSWORD, STANDARD


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
