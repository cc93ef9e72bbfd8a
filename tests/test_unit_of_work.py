"""One unit of work per request, command or task (eqia/unit_of_work.py): a GET
never commits, a POST or PUT that succeeds commits once, a refusal part-way
leaves nothing half-saved, and no service commits for itself."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eqia.extensions import db
from eqia.interchange.exporter import backup as backup_of
from eqia.interchange.exporter import export
from eqia.models import ApiToken, Assessment
from eqia.loaded_definitions import workflows
from eqia.services import activities
from tests.conftest import PASSWORD, audit_count
from tests.test_api import Api, api  # noqa: F401  (the fixture)
from tests.test_assessment_pages import form_data

EQIA = Path(__file__).resolve().parent.parent / "eqia"
STATES = ("screening", "screened_out", "full_assessment", "challenge", "awaiting_sign_off", "signed_off",
          "published")


@pytest.fixture
def commits():
    """How many times the unit of work committed, read as `commits()`; and, as
    `commits.apart()`, how many times a session kept apart from it did (a cache, or
    a token's last use: eqia.unit_of_work.apart)."""
    seen, apart = [], []

    def counted(session) -> None:
        if session.in_nested_transaction():
            return  # a service step's savepoint released: nothing reached the database
        (apart if session.info.get("apart") else seen).append(session)

    sa.event.listen(Session, "after_commit", counted)
    counter = lambda: len(seen)  # noqa: E731
    counter.apart = lambda: len(apart)
    yield counter
    sa.event.remove(Session, "after_commit", counted)


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


# The parts of an address that pick an assessment, or something of one, so that its state matters.
ASSESSMENT_PARTS = {"assessment_id", "reference", "version", "characteristic", "item_id"}


def _names(rule: str) -> list[str]:
    return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)


def _urls(app, rule: str, assessment: Assessment) -> list[str]:
    """Each address the GET route `rule` has for this assessment."""
    values = {"assessment_id": [assessment.id], "reference": [assessment.reference],
              "version": [assessment.version_number], "name": ["standard"],
              "trigger": list(workflows().current("standard").transitions),
              "characteristic": [row.characteristic_key for row in assessment.impacts][:2],
              "item_id": [i.id for i in (*assessment.evidence_items, *assessment.consultations,
                                         *assessment.actions)][:3] or [1],
              "filename": ["images/favicon.svg"], "direction": ["up"], "token_id": [1],
              "directorate_id": [assessment.directorate_id], "service_id": [1], "user_id": [1], "message_id": [1], "code": ["cy"],
              "activity_id": [1], "plan_id": [1], "judgement_id": [1], "row_id": [1],
              "self_assessment_id": [1], "criterion": ["leadership"],
              "subject": ["cumulative_judgement"], "record_id": [1],
              "objective_id": [1], "service_area_id": [1], "action_id": [1], "tag_id": [1],
              "token": ["no-such-token"]}
    files = {"/govuk-frontend/<filename>": "govuk-frontend.min.css", "/static/<path:filename>": "app.css"}
    names = _names(rule)
    urls = [rule]
    for name in names:
        urls = [re.sub(rf"<(?:[a-z]+:)?{name}>", lambda m, v=v: str(files.get(rule) or v), url, count=1)
                for url in urls for v in values[name]]
    return urls


@pytest.mark.slow
def test_no_get_request_commits_for_anyone_on_any_route_in_any_state(app, client, auth, world, commits):
    made = [world.make_assessment(state) for state in STATES]
    # An activity of the register (issue 18), its first assessment linked: its page reads both.
    activity = activities.add(world.lead, {"name": "Libraries", "kind": "policy", "directorate_id": world.directorate.id,
                                           "relevance": "high", "needs_assessment": "yes"})
    activities.link(world.lead, activity, made[0].reference)
    db.session.commit()
    assert activity.id == 1
    db.session.commit()
    rules = sorted({rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods})
    apis = {}
    for user in (world.author, world.lead, world.decider, world.admin):
        apis[user.id] = Api(client).as_user(user)
        db.session.commit()
        apis[user.id].get("/assessments")  # the token's first use: see the test below
    walked = 0
    for user in (None, world.author, world.lead, world.decider, world.admin):
        if user is not None:
            auth.sign_in(user)
        for rule in rules:
            # A document is rendered for everyone who may read it: once, by the lead, is enough to see it stores nothing.
            if rule.endswith(("/pdf", ".pdf", "/docx")) and user is not world.lead:
                continue
            # A route whose address names no assessment reads the same whichever is passed: walked once.
            for assessment in made if ASSESSMENT_PARTS.intersection(_names(rule)) else made[:1]:
                for url in _urls(app, rule, assessment):
                    headers = apis[user.id]._headers() if user is not None and url.startswith("/api/") else {}
                    before = commits()
                    with client.get(url, headers=headers) as response:
                        assert response.status_code < 500, (url, response.status_code)
                        assert commits() == before, (user and user.email, url, response.status_code)
                    walked += 1
        if user is not None:
            auth.sign_out()
    assert walked > 500


def test_a_token_not_used_lately_records_its_use_apart_and_the_get_commits_nothing(world, api, commits):
    """A token's last use is the reader's own bookkeeping: one statement in a session
    of its own, changing nothing but that time; the request itself commits nothing."""
    api.as_user(world.author)
    db.session.commit()
    [token] = db.session.execute(sa.select(ApiToken)).scalars().all()
    assert token.last_used_at is None
    tables = {t: _rows(t) for t in db.metadata.sorted_tables if t.name != "api_token"}
    before, before_apart = commits(), commits.apart()
    assert api.get("/assessments").status_code == 200
    assert (commits(), commits.apart()) == (before, before_apart + 1)
    assert {t: _rows(t) for t in tables} == tables
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None
    # Used again at once: nothing to record, so nothing is written at all.
    assert api.get("/assessments").status_code == 200
    assert (commits(), commits.apart()) == (before, before_apart + 1)


def test_a_pdf_download_keeps_its_rendering_apart_as_a_cache_and_serves_it_again(world, client, auth, commits):
    draft = world.make_assessment("full_assessment")
    db.session.commit()
    auth.sign_in(world.lead)
    before, before_apart = commits(), commits.apart()
    first = client.get(f"/assessments/{draft.id}/pdf")
    assert first.status_code == 200
    assert (commits(), commits.apart()) == (before, before_apart + 1)
    again = client.get(f"/assessments/{draft.id}/pdf")
    assert again.data == first.data
    assert (commits(), commits.apart()) == (before, before_apart + 1)


def _rows(table: sa.Table) -> list[tuple]:
    return sorted(map(tuple, db.session.execute(sa.select(table)).all()), key=repr)


def test_a_content_save_commits_once_and_a_refused_completion_saves_nothing(client, auth, world, commits):
    assessment = world.make_assessment()
    auth.sign_in(world.author)
    before = commits()
    saved = client.post(f"/assessments/{assessment.id}/details",
                        data=form_data(world, aims="Saved aims", lock_version=str(assessment.lock_version)))
    assert saved.status_code == 302 and commits() == before + 1
    assert fresh(assessment.id).aims == "Saved aims"
    # "Yes, completed" with the title emptied: the aims are applied, then the section's checks refuse it.
    current, events = export(fresh(assessment.id)), audit_count()
    refused = client.post(f"/assessments/{assessment.id}/details", data=form_data(
        world, title="", aims="Half saved?", completed="yes",
        lock_version=str(fresh(assessment.id).lock_version)))
    assert refused.status_code in (200, 422)
    assert export(fresh(assessment.id)) == current and audit_count() == events


def test_a_transition_commits_once_and_a_refused_one_changes_nothing(client, auth, world, commits):
    assessment = world.make_assessment("full_assessment")
    auth.sign_in(world.author)
    before = commits()
    moved = client.post(f"/assessments/{assessment.id}/actions/submit_for_challenge",
                        data={"lock_version": str(assessment.lock_version)})
    assert moved.status_code == 302, moved.data[:500]
    assert commits() == before + 1 and fresh(assessment.id).state == "challenge"
    current, events = export(fresh(assessment.id)), audit_count()
    refused = client.post(f"/assessments/{assessment.id}/actions/submit_for_challenge",
                          data={"lock_version": str(fresh(assessment.id).lock_version)})
    assert refused.status_code == 409
    assert export(fresh(assessment.id)) == current and audit_count() == events


def test_a_put_of_a_whole_document_commits_once_or_saves_none_of_its_parts(world, api, commits):
    assessment = world.make_assessment("full_assessment")
    api.as_user(world.author)
    db.session.commit()
    response = api.get(f"/assessments/{assessment.id}")
    doc, etag = response.get_json(), response.headers["ETag"]
    doc["register_details"]["title"] = "Saved first"
    doc["evidence"][0]["summary"] = "Saved second"
    before = commits()
    assert api.put(f"/assessments/{assessment.id}", json=doc, headers={"If-Match": etag}).status_code == 200
    assert commits() == before + 1
    saved = api.get(f"/assessments/{assessment.id}")
    doc, etag = saved.get_json(), saved.headers["ETag"]
    current, events = export(fresh(assessment.id)), audit_count()
    doc["register_details"]["title"] = "Saved, then undone"
    doc["evidence"][0]["dated"] = "2999-01-01"  # refused by the evidence rules, after the title's save
    assert api.put(f"/assessments/{assessment.id}", json=doc, headers={"If-Match": etag}).status_code == 422
    assert export(fresh(assessment.id)) == current and audit_count() == events


def test_an_import_commits_once_or_imports_nothing(world, api, runner, tmp_path, commits):
    source = world.make_assessment("full_assessment")
    api.as_user(world.author)
    db.session.commit()
    doc = export(source)
    count = lambda: db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one()  # noqa: E731
    before, made = commits(), count()
    assert api.post("/assessments", json=doc).status_code == 201
    assert commits() == before + 1 and count() == made + 1
    bad = dict(doc, evidence=[{"number": 1}])
    backup = tmp_path / "two.json"
    everything = backup_of([source])
    everything["assessments"].append(bad)
    backup.write_text(json.dumps(everything), encoding="utf-8")
    made, events = count(), audit_count()
    assert runner.invoke(args=["eqia", "import", str(backup), "--as", world.author.email]).exit_code == 1
    db.session.expire_all()
    assert (count(), audit_count()) == (made, events)


def test_signing_in_and_making_a_token_each_commit_once(client, auth, world, commits):
    before = commits()
    assert client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD}).status_code == 302
    assert commits() == before + 1
    assert client.post("/account/tokens", data={"label": "Committee system"}).status_code == 201
    assert commits() == before + 2
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 1


def _commit_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(EQIA.parent)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]


def test_no_service_and_no_interchange_code_commits(app):
    found = [call for package in ("services", "interchange") for path in sorted((EQIA / package).rglob("*.py"))
             for call in _commit_calls(path)]
    assert found == []
    assert _commit_calls(EQIA / "unit_of_work.py")  # the reader finds a commit where there is one
