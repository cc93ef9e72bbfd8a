"""Action owners as accounts (issue 16): the author picks an owner from the active
accounts, or names someone without one; the owner may then record progress on
their own action, and only on theirs, because the definition's right names the
`owner` relation; the signed record keeps the owner's name, never the account."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.interchange.exporter import export
from eqia.interchange.importer import import_document
from eqia.models import Action, Assessment, AssessmentViewer, AuditEvent
from eqia.services import action_progress, content, record
from eqia.services.action_owners import OWNER_ACCOUNT_UNKNOWN
from eqia.services.action_progress import ProgressInput, record_update
from eqia.services.errors import Forbidden, Invalid, NotFound
from tests.test_assessment_pages import errors_on

TODAY = date.today()


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def give_actions(world, assessment: Assessment, *owners) -> Assessment:
    """The plan's actions: the first keeps the one the world wrote, each owner's is added after it
    (None: a named officer without an account), then the plan is marked completed again."""
    for n, owner in enumerate(owners, start=2):
        content.save_item(content.ACTIONS, assessment.id, world.author, fresh(assessment.id).lock_version, None, {
            "description": f"Action {n}", "owner": owner.name if owner else "Parish council clerk",
            "owner_user_id": owner.id if owner else None, "due_date": TODAY + timedelta(days=30 * n),
            "success_measure": "Reported to Cabinet", "status": "not_started"})
        db.session.commit()
    current = fresh(assessment.id)
    content.save_action_plan_page(current.id, world.author, current.lock_version, current.review_date, True)
    db.session.commit()
    return fresh(assessment.id)


@pytest.fixture
def owner(world):
    """An officer with an account and no role: they own an action, nothing more."""
    return world.make_user("owner@example.test", directorate=world.other_directorate, commit=True)


@pytest.fixture
def signed_with_owner(world, owner) -> Assessment:
    a = give_actions(world, world.make_assessment("full_assessment"), owner, world.co_author)
    world.drive(a, "signed_off")
    return fresh(a.id)


def action_owned_by(assessment: Assessment, user) -> Action:
    return next(a for a in fresh(assessment.id).actions if a.owner_user_id == user.id)


def update(assessment, action, user, status="in_progress", note="Started") -> None:
    record_update(assessment.id, action.id, user, ProgressInput(status=status, note=note, evidence="",
                                                                  dated=TODAY))
    db.session.commit()


def action_form(assessment: Assessment, **overrides) -> dict:
    data = {"lock_version": str(fresh(assessment.id).lock_version), "description": "Count visits by disability",
            "owner": "Head of Libraries", "owner_user_id": "", "due_date": parts(TODAY + timedelta(days=60)),
            "success_measure": "A quarterly count", "status": "not_started"}
    data.update(overrides)
    return data


# ------------------------------------------------------------ choosing an owner

def test_the_author_chooses_an_owner_from_the_active_accounts(client, auth, world, owner):
    a = world.make_assessment("full_assessment")
    auth.sign_in(world.author)
    shown = BeautifulSoup(client.get(f"/assessments/{a.id}/action/add").data, "html.parser")
    offered = {o.get_text(): o["value"] for o in shown.select("select#owner_user_id option")}
    assert offered["Someone without an account"] == ""
    assert offered["Owner (owner@example.test)"] == str(owner.id)
    response = client.post(f"/assessments/{a.id}/action/add", data=action_form(a, owner_user_id=str(owner.id)))
    assert response.status_code == 302
    added = fresh(a.id).actions[-1]
    assert (added.owner, added.owner_user_id) == ("Head of Libraries", owner.id)
    again = BeautifulSoup(client.get(f"/assessments/{a.id}/action/{added.id}").data, "html.parser")
    assert again.select_one("select#owner_user_id option[selected]")["value"] == str(owner.id)


def test_an_owner_chosen_from_the_list_and_left_unnamed_is_named_from_the_account(client, auth, world, owner):
    a = world.make_assessment("full_assessment")
    auth.sign_in(world.author)
    response = client.post(f"/assessments/{a.id}/action/add",
                           data=action_form(a, owner="  ", owner_user_id=str(owner.id)))
    assert response.status_code == 302
    added = fresh(a.id).actions[-1]
    assert (added.owner, added.owner_user_id) == ("Owner", owner.id)
    plan = BeautifulSoup(client.get(f"/assessments/{a.id}/action-plan").data, "html.parser")
    assert "Owner" in plan.select_one(f"#action-{added.id}").get_text()


def test_a_name_typed_beside_the_account_is_kept_even_when_it_differs(world, owner):
    a = world.make_assessment("full_assessment")
    content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, None,
                      {"description": "Count visits", "status": "not_started", "owner": "Head of Libraries",
                       "owner_user_id": owner.id})
    db.session.commit()
    assert fresh(a.id).actions[-1].owner == "Head of Libraries"


def test_choosing_an_account_for_an_unnamed_action_later_names_it_and_audits_the_name(world, owner):
    a = world.make_assessment("full_assessment")
    content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, None,
                      {"description": "Gather data", "status": "not_started", "owner": ""})
    db.session.commit()
    action = fresh(a.id).actions[-1]
    assert action.owner == ""
    _, changes = content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, action.id,
                                   {"owner_user_id": owner.id})
    db.session.commit()
    assert fresh(a.id).actions[-1].owner == "Owner"
    assert {c.about for c in changes} == {"owner", "owner_user_id"}


def test_an_unknown_account_left_unnamed_is_refused_not_named(world):
    a = world.make_assessment("full_assessment")
    before = len(a.actions)
    with pytest.raises(Invalid) as refused:
        content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, None,
                          {"description": "X", "status": "not_started", "owner": "", "owner_user_id": 999999})
    db.session.rollback()
    assert [p.message for p in refused.value.problems] == [OWNER_ACCOUNT_UNKNOWN]
    assert len(fresh(a.id).actions) == before


@pytest.mark.parametrize("chosen", ["999999", "not-a-number", "-1", "99999999999999999999"])
def test_an_unknown_account_is_refused_with_a_clear_message_and_nothing_is_lost(client, auth, world, chosen):
    a = world.make_assessment("full_assessment")
    before = len(a.actions)
    auth.sign_in(world.author)
    response = client.post(f"/assessments/{a.id}/action/add", data=action_form(a, owner_user_id=chosen))
    assert response.status_code == 200
    assert errors_on(response) == [OWNER_ACCOUNT_UNKNOWN]
    shown = BeautifulSoup(response.data, "html.parser")
    assert shown.select_one("#description").get_text() == "Count visits by disability"  # what was typed stays
    assert len(fresh(a.id).actions) == before


def test_an_inactive_account_cannot_be_chosen_nor_is_it_offered(client, auth, world, owner):
    owner.active = False
    db.session.commit()
    a = world.make_assessment("full_assessment")
    auth.sign_in(world.author)
    shown = BeautifulSoup(client.get(f"/assessments/{a.id}/action/add").data, "html.parser")
    assert str(owner.id) not in [o["value"] for o in shown.select("select#owner_user_id option")]
    response = client.post(f"/assessments/{a.id}/action/add", data=action_form(a, owner_user_id=str(owner.id)))
    assert errors_on(response) == [OWNER_ACCOUNT_UNKNOWN]
    with pytest.raises(Invalid):
        content.save_item(content.ACTIONS, a.id, world.author, fresh(a.id).lock_version, None,
                          {"description": "X", "status": "not_started", "owner_user_id": owner.id})


def test_a_free_text_owner_without_an_account_keeps_working(client, auth, world):
    a = world.make_assessment("full_assessment")
    auth.sign_in(world.author)
    response = client.post(f"/assessments/{a.id}/action/add", data=action_form(a, owner="Kent Fire & Rescue"))
    assert response.status_code == 302
    added = fresh(a.id).actions[-1]
    assert (added.owner, added.owner_user_id) == ("Kent Fire & Rescue", None)


# -------------------------------------------------------- the owner's right

def test_an_owner_without_a_role_records_progress_on_their_own_action(world, owner, signed_with_owner):
    mine = action_owned_by(signed_with_owner, owner)
    assert action_progress.may_update(owner, signed_with_owner, mine)
    update(signed_with_owner, mine, owner, "done", "Leaflets printed")
    [state] = [p for p in action_progress.progress(fresh(signed_with_owner.id)) if p.action.id == mine.id]
    assert (state.status, state.latest.recorded_by_id, state.latest.note) == ("done", owner.id, "Leaflets printed")
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == signed_with_owner.id)
                               .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (event.action, event.actor_id, event.role) == ("update_action", owner.id, "owner")


def test_an_owner_may_not_update_another_action_of_the_same_assessment(world, owner, signed_with_owner):
    others = [a for a in fresh(signed_with_owner.id).actions if a.owner_user_id != owner.id]
    assert not action_progress.may_update(owner, signed_with_owner)  # not the whole plan
    for other in others:
        assert not action_progress.may_update(owner, signed_with_owner, other)
        with pytest.raises(Forbidden):
            update(signed_with_owner, other, owner)


def test_an_owner_may_not_update_an_action_of_an_assessment_where_they_own_nothing(world, owner,
                                                                                   signed_with_owner):
    elsewhere = world.make_assessment("signed_off", title="Another plan")
    with pytest.raises(NotFound):  # they may not even see it
        update(elsewhere, fresh(elsewhere.id).actions[0], owner)


def test_the_progress_page_refuses_an_owner_on_someone_elses_action(client, auth, world, owner, signed_with_owner):
    mine = action_owned_by(signed_with_owner, owner)
    theirs = action_owned_by(signed_with_owner, world.co_author)
    auth.sign_in(owner)
    assert client.get(f"/assessments/{signed_with_owner.id}/action/{mine.id}/progress").status_code == 200
    assert client.get(f"/assessments/{signed_with_owner.id}/action/{theirs.id}/progress").status_code == 403
    refused = client.post(f"/assessments/{signed_with_owner.id}/action/{theirs.id}/progress",
                          data={"status": "done", "note": "", "evidence": "", "dated": parts(TODAY)})
    assert refused.status_code == 403
    overview = BeautifulSoup(client.get(f"/assessments/{signed_with_owner.id}").data, "html.parser")
    assert overview.select_one(f"#action-progress-{mine.id} a[href$='/progress']")
    assert not overview.select_one(f"#action-progress-{theirs.id} a[href$='/progress']")


def test_an_owner_of_an_action_on_a_restricted_assessment_does_not_see_it_unless_named(world, owner):
    a = world.make_assessment("full_assessment")
    draft = fresh(a.id)
    draft.restricted = True  # as an employment restructure would be: only its named people see it
    draft.viewers.extend(AssessmentViewer(user_id=u.id) for u in world.crew if u.id != draft.created_by_id)
    db.session.commit()
    a = give_actions(world, a, owner)
    world.drive(a, "signed_off")
    mine = action_owned_by(a, owner)
    assert not action_progress.may_update(owner, fresh(a.id), mine)
    with pytest.raises(NotFound):
        update(a, mine, owner)


def test_an_owner_who_is_made_inactive_may_no_longer_update(world, owner, signed_with_owner):
    mine = action_owned_by(signed_with_owner, owner)
    owner.active = False
    db.session.commit()
    assert not action_progress.may_update(owner, fresh(signed_with_owner.id), mine)


# ------------------------------------------------------------- the record

def test_the_signed_record_keeps_the_owners_name_and_never_the_account(world, owner, signed_with_owner):
    signed = fresh(signed_with_owner.id)
    plan = record.content_record(signed)["sections"]["action_plan"]["items"]
    assert [i["owner"] for i in plan] == ["Sam Lee", "Owner", "Co Author"]
    assert all("owner_user_id" not in i and "owner_email" not in i for i in plan)
    assert b"owner@example.test" not in record.canonical(record.content_record(signed))


def test_the_export_carries_the_owners_address_and_an_import_links_the_same_account(world, owner,
                                                                                    signed_with_owner):
    doc = export(fresh(signed_with_owner.id))
    emails = [i.get("owner_email") for i in doc["action_plan"]["items"]]
    assert emails == [None, "owner@example.test", "co-author@example.test"]
    made = import_document(world.author, doc).assessment
    db.session.commit()
    assert [a.owner_user_id for a in fresh(made.id).actions] == [None, owner.id, world.co_author.id]


def test_an_import_from_another_system_keeps_the_name_where_no_account_matches(world, owner, signed_with_owner):
    doc = export(fresh(signed_with_owner.id))
    doc["action_plan"]["items"][1]["owner_email"] = "someone@elsewhere.example"
    del doc["action_plan"]["items"][2]["owner_email"]  # a document written before owners had accounts
    made = import_document(world.author, doc).assessment
    db.session.commit()
    actions = fresh(made.id).actions
    assert [(a.owner, a.owner_user_id) for a in actions] == [("Sam Lee", None), ("Owner", None),
                                                             ("Co Author", None)]
