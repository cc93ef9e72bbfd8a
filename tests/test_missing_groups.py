"""An assessment that leaves out some of the deployment's groups: the import
says which, the task list keeps saying so, and the author can add them."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.extensions import db
from eqia.interchange.exporter import export
from eqia.interchange.importer import import_document
from eqia.models import Assessment, AuditEvent
from eqia.loaded_definitions import characteristics
from eqia.services import assessments as service
from eqia.services.errors import Forbidden, Invalid, NotPossible
from eqia.services.workflow import EDIT_ACTION_PREFIX
from tests.test_api import api, is_problem  # noqa: F401  (api is a fixture)


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def one_group_document(world) -> dict:
    """A published EqIA that considered only disability (1 of the 13 groups here)."""
    doc = export(world.make_assessment(answer="yes"))
    doc["screening"]["answers"] = [r for r in doc["screening"]["answers"] if r["characteristic"] == "disability"]
    doc["characteristics"] = [r for r in doc["characteristics"] if r["characteristic"] == "disability"]
    return {k: v for k, v in doc.items() if k in ("format", "register_details", "screening", "evidence",
                                                  "consultation", "characteristics", "intersectional_effects",
                                                  "outcome", "action_plan")}


def missing_names() -> list[str]:
    return [c.name for c in characteristics().characteristics if c.key != "disability"]


def test_an_import_says_which_configured_groups_the_document_lacks(world, api, runner, tmp_path):
    api.as_user(world.author)
    created = api.post("/assessments", json=one_group_document(world))
    assert created.status_code == 201, created.data
    body = created.get_json()
    assert body["missing_groups"] == [c.key for c in characteristics().characteristics if c.key != "disability"]
    assert body["notes"] == [service.groups_missing_note(missing_names())]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(one_group_document(world)))
    result = runner.invoke(args=["eqia", "import", str(path), "--as", world.author.email])
    assert result.exit_code == 0, result.output
    assert f"  note: {service.groups_missing_note(missing_names())}" in result.output
    # A document that considers every group gets no such note.
    whole = api.post("/assessments", json={**one_group_document(world), "screening": export(
        world.make_assessment())["screening"], "characteristics": export(world.make_assessment())["characteristics"]})
    assert whole.status_code == 201, whole.data
    assert whole.get_json()["missing_groups"] == [] and whole.get_json()["notes"] == []


def test_the_task_list_warns_of_missing_groups_and_the_author_adds_one(world, client, auth):
    imported = import_document(world.author, one_group_document(world)).assessment
    auth.sign_in(world.author)
    page = BeautifulSoup(client.get(f"/assessments/{imported.id}/tasks").data, "html.parser")
    warning = page.select_one("#missing-groups").get_text(" ", strip=True)
    assert service.groups_missing_warning(missing_names()) in " ".join(warning.split())
    add = page.select_one("#missing-groups a.govuk-button")
    assert add.get_text(strip=True) == "Add a group" and add["href"].endswith(f"/assessments/{imported.id}/add-group")

    form = BeautifulSoup(client.get(add["href"]).data, "html.parser")
    assert [i["value"] for i in form.select("input[name=characteristic]")] == [
        c.key for c in characteristics().characteristics if c.key != "disability"]
    service.mark_section(imported.id, world.author, fresh(imported.id).lock_version, "screening", True)
    assert fresh(imported.id).is_completed("screening")
    response = client.post(add["href"], data={"characteristic": "age", "lock_version": fresh(imported.id).lock_version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assessments/{imported.id}/tasks")
    a = fresh(imported.id)
    assert [r.characteristic_key for r in a.screening_answers] == ["disability", "age"]
    assert [(r.characteristic_key, r.characteristic_label) for r in a.impacts] == [("disability", "Disability"),
                                                                                  ("age", "Age")]
    # The new group needs a screening answer: screening is in progress again, and the trail says why.
    assert not a.is_completed("screening")
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == a.id)
                               .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert event.action == EDIT_ACTION_PREFIX + "screening" and event.comment == "Group added: Age; Screening marked as in progress"
    page = BeautifulSoup(client.get(f"/assessments/{imported.id}/tasks").data, "html.parser")
    assert "Age" not in page.select_one("#missing-groups").get_text()
    assert "Age: could the activity affect people in this group differently?" in client.get(
        f"/assessments/{imported.id}/screening").get_data(as_text=True)

    # Nothing chosen, or a group not offered: the page says what to do and adds nothing.
    refused = BeautifulSoup(client.post(add["href"], data={"lock_version": a.lock_version}).data, "html.parser")
    assert [li.get_text(strip=True) for li in refused.select(".govuk-error-summary__list li")] == [
        service.GROUP_NOT_OFFERED]
    assert len(fresh(imported.id).impacts) == 2


def test_adding_a_group_follows_the_editing_rules(world):
    imported = import_document(world.author, one_group_document(world)).assessment
    lock = fresh(imported.id).lock_version
    with pytest.raises(Invalid) as unknown:
        service.add_group(imported.id, world.author, lock, "astrology")
    assert [p.message for p in unknown.value.problems] == [service.GROUP_NOT_OFFERED]
    with pytest.raises(Invalid) as twice:
        service.add_group(imported.id, world.author, lock, "disability")
    assert [p.message for p in twice.value.problems] == [service.GROUP_NOT_OFFERED]
    with pytest.raises(Forbidden):
        service.add_group(imported.id, world.lead, lock, "age")
    frozen = world.make_assessment("screened_out")
    with pytest.raises(NotPossible):
        service.add_group(frozen.id, world.author, frozen.lock_version, "age")
    a, changes = service.add_group(imported.id, world.author, lock, "sex")
    assert [c.label for c in changes] == ["Group added: Sex"] and a.impact_for("sex") is not None
    assert service.missing_groups(fresh(imported.id)) == [
        c for c in characteristics().characteristics if c.key not in ("disability", "sex")]


def test_the_api_adds_a_group_through_the_same_service(world, api):
    imported = import_document(world.author, one_group_document(world)).assessment
    api.as_user(world.author)
    added = api.post(f"/assessments/{imported.id}/groups", json={"characteristic": "race",
                                                                 "lock_version": fresh(imported.id).lock_version})
    assert added.status_code == 200, added.data
    assert [g["characteristic"] for g in added.get_json()["characteristics"]] == ["disability", "race"]
    bad = is_problem(api.post(f"/assessments/{imported.id}/groups",
                              json={"characteristic": "astrology", "lock_version": fresh(imported.id).lock_version}),
                     422)
    assert bad["errors"] == [{"path": "$.characteristic", "message": service.GROUP_NOT_OFFERED}]
