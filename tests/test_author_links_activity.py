"""An author says which activity of the register their EqIA assesses (issue 18), from its
overview: the rule in the service (eqia.services.activities.link_own), then through the page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import ActivityAssessment, AuditEvent
from eqia.services import activities
from eqia.services.errors import Forbidden, Invalid, NotFound, NotPossible
from tests.test_programme_pages import errors_of, page


def add(world, name: str = "Home to school transport", directorate=None):
    made = activities.add(world.lead, {"name": name, "kind": "policy", "relevance": "high", "needs_assessment": "yes",
                                       "directorate_id": (directorate or world.directorate).id})
    db.session.commit()
    return made


def linked(reference: str) -> int | None:
    db.session.expire_all()
    found = db.session.get(ActivityAssessment, reference)
    return found.activity_id if found else None


def link_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "programme:assessment_linked")).scalars())


# ------------------------------------------------------------------ the rule, in the service
def test_an_author_links_the_assessment_they_are_writing_and_it_is_on_the_record(world):
    activity = add(world)
    assessment = world.make_assessment()
    assert activities.link_own(world.author, assessment.id, activity.id) == activity
    db.session.commit()
    assert linked(assessment.reference) == activity.id
    [event] = link_events()
    assert (event.actor_id, event.role, event.kind, event.details) == (
        world.author.id, "author", "programme", {"change": "assessment_linked", "activity": activity.id,
                                                  "name": activity.name, "reference": assessment.reference})


def test_only_someone_who_may_edit_it_may_link_it(world):
    activity = add(world)
    assessment = world.make_assessment()
    with pytest.raises(NotFound):  # another directorate's author does not see it at all
        activities.link_own(world.outsider, assessment.id, activity.id)
    with pytest.raises(Forbidden) as refused:  # a decision-maker sees it, and does not write it
        activities.link_own(world.decider, assessment.id, activity.id)
    assert refused.value.problems[0].message == activities.NOT_YOURS_TO_LINK
    signed = world.make_assessment("signed_off")
    with pytest.raises(Forbidden):  # nor its author, once it is signed
        activities.link_own(world.author, signed.id, activity.id)
    db.session.rollback()
    assert (linked(assessment.reference), linked(signed.reference), link_events()) == (None, None, [])


def test_a_link_already_made_stays_with_the_keepers(world):
    first, second = add(world), add(world, "Library opening hours")
    assessment = world.make_assessment()
    activities.link(world.lead, first, assessment.reference)
    db.session.commit()
    with pytest.raises(NotPossible) as refused:
        activities.link_own(world.author, assessment.id, second.id)
    assert refused.value.problems[0].message == activities.ALREADY_ASSESSES
    db.session.rollback()
    assert linked(assessment.reference) == first.id and len(link_events()) == 1


@pytest.mark.parametrize("chosen", ["retired", "other directorate", 999999, "7", True, None, 2**40, -1])
def test_only_a_live_activity_of_its_directorate_may_be_chosen(world, chosen):
    retired, elsewhere = add(world, "Old policy"), add(world, "Gritting", world.other_directorate)
    activities.retire(world.lead, retired)
    db.session.commit()
    assessment = world.make_assessment()
    value = {"retired": retired.id, "other directorate": elsewhere.id}.get(chosen, chosen)
    with pytest.raises(Invalid) as refused:
        activities.link_own(world.author, assessment.id, value)
    expected = activities.RETIRED_CANNOT_CHANGE if chosen == "retired" else activities.CHOOSE_ACTIVITY
    assert [(p.field, p.message) for p in refused.value.problems] == [("activity_id", expected)]
    db.session.rollback()
    assert linked(assessment.reference) is None and link_events() == []


# ------------------------------------------------------------------ through the overview
def test_an_author_chooses_the_activity_on_the_overview_and_sees_it_named(client, auth, world):
    add(world, "Gritting", world.other_directorate)
    retired = add(world, "Old policy")
    activities.retire(world.lead, retired)
    wanted = add(world, "<script>alert(1)</script> transport")
    db.session.commit()
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    shown = page(client.get(f"/assessments/{assessment.id}"))
    label = shown.select_one("label[for=activity_id]").get_text(strip=True)
    assert label == "Which activity in the register does this assess?"
    options = [(o["value"], o.get_text()) for o in shown.select("#activity_id option")]
    assert options == [("", "Choose"), (str(wanted.id), wanted.name)]  # live, of its directorate, as text
    response = client.post(f"/assessments/{assessment.id}/activity", data={"activity_id": str(wanted.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/assessments/{assessment.id}#activity")
    after = page(client.get(f"/assessments/{assessment.id}"))
    assert after.select_one("#activity dd").get_text(strip=True) == wanted.name
    assert "\u201c" + wanted.name + "\u201d" in after.select_one(".govuk-notification-banner").get_text()
    assert after.select_one("#choose-activity") is None  # linked: the choice is the keepers' now
    assert linked(assessment.reference) == wanted.id


def test_nobody_else_is_offered_the_choice_and_a_post_is_refused(client, auth, world):
    activity = add(world)
    assessment = world.make_assessment()
    for user, status in ((world.decider, 403), (world.outsider, 404)):
        auth.sign_in(user)
        shown = client.get(f"/assessments/{assessment.id}")
        assert shown.status_code == status or page(shown).select_one("#choose-activity") is None
        if status == 403:
            assert page(shown).select_one("#choose-activity") is None
        response = client.post(f"/assessments/{assessment.id}/activity", data={"activity_id": str(activity.id)})
        assert response.status_code == status
        if status == 403:
            assert errors_of(response) == [activities.NOT_YOURS_TO_LINK]
        auth.sign_out()
    assert linked(assessment.reference) is None and link_events() == []


def test_a_refused_choice_is_said_on_the_page_never_a_server_error(client, auth, world):
    activity, other = add(world), add(world, "Library opening hours")
    retired = add(world, "Old policy")
    activities.retire(world.lead, retired)
    db.session.commit()
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    url = f"/assessments/{assessment.id}/activity"
    for posted, message in (({"activity_id": ""}, activities.CHOOSE_ACTIVITY),
                            ({}, activities.CHOOSE_ACTIVITY),
                            ({"activity_id": "999999"}, activities.CHOOSE_ACTIVITY),
                            ({"activity_id": str(retired.id)}, activities.RETIRED_CANNOT_CHANGE),
                            ({"activity_id": "1 OR 1=1"}, activities.CHOOSE_ACTIVITY),
                            ({"activity_id": "<script>alert(1)</script>"}, activities.CHOOSE_ACTIVITY),
                            ({"activity_id": "9" * 5000}, activities.CHOOSE_ACTIVITY),
                            ({"activity_id": "\u0661"}, activities.CHOOSE_ACTIVITY)):
        response = client.post(url, data=posted)
        assert response.status_code == 422, (posted, response.status_code)
        assert errors_of(response) == [message], posted
        assert page(response).select_one("#activity_id-error"), posted
        assert b"<script>alert" not in response.data
    assert client.post(url, json={"activity_id": activity.id}).status_code == 422  # a page reads forms only
    assert linked(assessment.reference) is None
    assert client.post(url, data={"activity_id": str(activity.id)}).status_code == 302
    again = client.post(url, data={"activity_id": str(other.id)})
    assert again.status_code == 409 and errors_of(again) == [activities.ALREADY_ASSESSES]
    assert linked(assessment.reference) == activity.id and len(link_events()) == 1
