"""The interchange document: export, plain import and the commands.

Round trips run on assessments filled in through the services and moved to
every state; the document must validate against its own published schema, and
what it says must come back exactly. Bad files name the JSON path of each
problem and leave the database as it was.
"""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator

from eqia.extensions import db
from eqia.interchange.exporter import CONTENT_KEYS, dumps, export
from eqia.interchange.importer import IMPORT_ACTION, BadDocument, check, import_document
from eqia.interchange.schema import FORMAT, assigned_paths, schema
from eqia.models import Assessment, AuditEvent
from eqia.services import signing
from eqia.services.audit import verify_chain
from eqia.services.errors import Forbidden
from eqia.services.workflow import EDIT_ACTION_PREFIX, perform_transition
from tests.conftest import PASSWORD, STANDARD, audit_count
from tests.test_api import Api, api, is_problem  # noqa: F401  (api is a fixture)

HOSTILE = "<script>alert(1)</script> '; DROP TABLE assessment; -- file:///etc/passwd \u202e \U0001F600 \u0627\u0631\u062f\u0648"


def assessments() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one()


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def full(world, state: str | None) -> Assessment:
    """A fully filled EqIA (screened in, every full-assessment section written) in `state`."""
    a = world.make_assessment(None, answer="yes", title=HOSTILE, aims=HOSTILE + "\nSecond line\n\n  indented")
    if state in (None, STANDARD.initial):
        # The services write the full assessment only once it has started; an import brings it whole.
        world.drive(a, "full_assessment")
        return fresh(import_document(world.author, export(fresh(a.id))).assessment.id)
    world.drive(a, "full_assessment")  # then on: every state after it holds a full assessment
    world.drive(a, state)
    return fresh(a.id)


def _reachable_from(start: str) -> set[str]:
    """Every state an assessment can reach from `start` (system transitions too)."""
    seen, todo = {start}, [start]
    while todo:
        for t in STANDARD.transitions_from(todo.pop()):
            if t.dest is not None and t.dest not in seen:
                seen.add(t.dest)
                todo.append(t.dest)
    return seen


# The states an assessment reaches only by screening out (its screening answers "no").
SCREENED_OUT = _reachable_from("screen_out_proposed") - _reachable_from("full_assessment")
REACHABLE = [s for s in STANDARD.states if s not in SCREENED_OUT]


@pytest.mark.parametrize("state", list(STANDARD.states))
def test_an_export_in_every_state_matches_the_published_schema(state, world):
    a = world.make_assessment(state, answer="no" if state in SCREENED_OUT else "yes")
    doc = export(a)
    Draft202012Validator.check_schema(schema())
    Draft202012Validator(schema()).validate(doc)
    assert check(doc) == []
    assert doc["state"] == state and doc["format"] == FORMAT
    # The same content exported twice is the same text.
    assert dumps(doc) == dumps(export(fresh(a.id)))


@pytest.mark.parametrize("state", REACHABLE)
def test_export_import_export_keeps_everything_the_assessment_says(state, world):
    a = full(world, state)
    first = export(a)
    assert first["evidence"] and first["action_plan"]["items"] and first["outcome"]["outcomes"]
    assert first["register_details"]["title"] == HOSTILE
    events = audit_count()
    result = import_document(world.author, json.loads(dumps(first)), source="a test")
    second = export(fresh(result.assessment.id))
    for key in CONTENT_KEYS:
        assert second[key] == first[key], key
    # A new assessment: its first state, a new reference, written by the importer, its own trail.
    assert second["state"] == STANDARD.initial and second["reference"] != first["reference"]
    assert second["created_by"]["email"] == world.author.email
    assert second["challenge"] == [] and second["sign_offs"] == [] and second["completions"] == []
    assert [e["action"] for e in second["audit"]] == [IMPORT_ACTION]
    assert f"{first['reference']} version 1, {state} there" in second["audit"][0]["comment"]
    assert audit_count() == events + 1 and verify_chain().ok
    # Exported again, the imported one says the same again: the second round trip changes nothing.
    third = export(fresh(import_document(world.author, second).assessment.id))
    assert {k: third[k] for k in CONTENT_KEYS} == {k: second[k] for k in CONTENT_KEYS}


def test_the_schema_marks_what_the_exporting_system_assigned(client):
    paths = assigned_paths()
    for expected in ("$.id", "$.reference", "$.created_at", "$.updated_at", "$.content_hash", "$.audit[*].seq",
                     "$.audit[*].hash", "$.audit[*].prev_hash", "$.audit[*].actor_id",
                     "$.challenge[*].challenger_id"):
        assert expected in paths
    served = client.get("/api/v1/schema/assessment.json")
    assert served.status_code == 200 and served.get_json() == schema()


def test_an_assessment_under_another_characteristic_set_is_kept_as_written(world, client, auth):
    a = full(world, "full_assessment")
    doc = export(a)
    welsh = {"characteristic": "welsh_language", "label": "Welsh language (Welsh Language Standards)"}
    doc["screening"]["answers"] = [{**welsh, "affects": "likely", "reason": "Signage and forms",
                                    "advances_equality": None, "advances_reason": ""}]
    doc["characteristics"] = [{**welsh, "impact": "major_adverse", "severity": "significant",
                               "aims": {"eliminate_discrimination": True, "advance_equality": None,
                                        "foster_good_relations": False},
                               "evidence_narrative": "Bilingual forms are planned", "no_evidence_reason": "",
                               "mitigation": "Publish both languages together", "evidence_cited": [1]}]
    doc["action_plan"]["items"][0]["characteristic"] = "welsh_language"
    imported = fresh(import_document(world.author, doc).assessment.id)
    assert [(r.characteristic_key, r.characteristic_label) for r in imported.impacts] == [
        ("welsh_language", welsh["label"])]
    assert [r.characteristic_key for r in imported.screening_answers] == ["welsh_language"]
    again = export(imported)
    assert again["characteristics"] == doc["characteristics"] and again["screening"] == doc["screening"]
    # Its pages and its PDF work with a group this deployment does not configure, in screening
    # (answers on another scale are shown by their keys) and once the full assessment is open.
    auth.sign_in(world.author)
    pages = ("", "/tasks", "/screening", "/check", "/pdf", "/docx")
    for page in pages:
        response = client.get(f"/assessments/{imported.id}{page}")
        assert response.status_code == 200, (page, response.status_code)
    screening = client.get(f"/assessments/{imported.id}/screening").get_data(as_text=True)
    assert "likely (from another scale: choose one of the above)" in screening
    world.write_screening(imported, world.author, "yes")
    perform_transition(imported.id, "start_full_assessment", world.author)
    for page in (*pages, "/groups/welsh_language", "/evidence", "/action-plan"):
        response = client.get(f"/assessments/{imported.id}{page}")
        assert response.status_code == 200, (page, response.status_code)
    group = client.get(f"/assessments/{imported.id}/groups/welsh_language").get_data(as_text=True)
    assert welsh["label"] in group and "Publish both languages together" in group
    assert "major_adverse (from another scale" in group and "significant (from another scale" in group


def test_a_document_with_no_characteristics_gets_this_deployments_set(world):
    doc = export(world.make_assessment())
    doc["screening"]["answers"], doc["characteristics"] = [], []
    imported = fresh(import_document(world.author, doc).assessment.id)
    assert len(imported.impacts) == len(imported.screening_answers) > 5


def _minimal(world) -> dict:
    doc = export(full(world, "full_assessment"))
    return {k: v for k, v in doc.items() if k in ("format", *CONTENT_KEYS)}


BAD = [
    # (what, change to the document, the path, words in the message)
    ("title missing", lambda d: d["register_details"].pop("title"), "$.register_details.title", "missing"),
    ("title empty", lambda d: d["register_details"].update(title=""), "$.register_details.title", "empty"),
    ("title huge", lambda d: d["register_details"].update(title="x" * 1001), "$.register_details.title",
     "1,000 characters or fewer"),
    ("aims huge", lambda d: d["register_details"].update(aims="x" * 100_001), "$.register_details.aims",
     "100,000 characters"),
    ("not a real date", lambda d: d["evidence"][0].update(dated="2026-02-30"), "$.evidence[0].dated",
     "not a real date"),
    ("date as words", lambda d: d["action_plan"].update(review_date="next March"), "$.action_plan.review_date",
     "expected form"),
    ("kind unknown", lambda d: d["evidence"][0].update(kind="rumour"), "$.evidence[0].kind", "one of"),
    ("wrong type", lambda d: d["consultation"].update(items="none"), "$.consultation.items", "a list"),
    ("unknown field", lambda d: d.update(colour="blue"), "$", "colour"),
    ("cites nothing", lambda d: d["characteristics"][0].update(evidence_cited=[99]),
     "$.characteristics[0].evidence_cited[0]", "evidence number 99"),
    ("evidence number twice", lambda d: d["evidence"].append(copy.deepcopy(d["evidence"][0])),
     "$.evidence[1].number", "more than once"),
    ("characteristic twice", lambda d: d["characteristics"].append(copy.deepcopy(d["characteristics"][0])),
     "$.characteristics[", "more than once"),
    ("sets differ", lambda d: d["characteristics"].pop(), "$.characteristics", "same characteristics"),
    ("null character", lambda d: d["outcome"].update(justification="a\x00b"), "$.outcome.justification",
     "null character"),
    ("hostile key", lambda d: d["characteristics"][0].update(characteristic="age'; DROP TABLE x;--"),
     "$.characteristics[0].characteristic", "expected form"),
    ("another format", lambda d: d.update(format="word/2003"), "$.format", "not an interchange document"),
    ("a file link", lambda d: d["evidence"][0].update(link="file:///etc/passwd"), "$.evidence[0].link",
     "starts with https://"),
    ("a key ending in a line break", lambda d: d["characteristics"][0].update(impact="a" * 39 + "\n"),
     "$.characteristics[0].impact", "line breaks"),
    ("a lone surrogate", lambda d: d["register_details"].update(aims="half \ud800 a character"),
     "$.register_details.aims", "not Unicode text"),
    ("unknown directorate", lambda d: d["register_details"].update(directorate="Ministry of Magic"),
     "$.register_details.directorate", "no directorate called 'Ministry of Magic'"),
]


@pytest.mark.parametrize("what,change,path,words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_document_names_the_path_of_each_problem_and_imports_nothing(what, change, path, words, world):
    doc = _minimal(world)
    change(doc)
    before, events = assessments(), audit_count()
    with pytest.raises(BadDocument) as refused:
        import_document(world.author, doc)
    found = [(p.path, p.message) for p in refused.value.document_problems]
    assert any(p.startswith(path) and words in m for p, m in found), found
    assert (assessments(), audit_count()) == (before, events)


@pytest.mark.parametrize("data,words", [
    (b"", "Not JSON"), (b"{\"format\": ", "line 1, column 12"), (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"), (b"[]", "must be an object"),
    (b"null", "must be an object"), (b"{}", "missing"),
])
def test_the_command_refuses_a_broken_file_clearly(data, words, world, runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(data)
    before = assessments()
    result = runner.invoke(args=["eqia", "import", str(path), "--as", world.author.email])
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output and words in result.output
    assert "Traceback" not in result.output and assessments() == before


def test_the_commands_export_one_or_all_and_import_them_back(world, runner, tmp_path):
    a = full(world, "awaiting_sign_off")
    b = world.make_assessment("published")
    one = tmp_path / "one.json"
    result = runner.invoke(args=["eqia", "export", "--id", str(a.id), "--output", str(one)])
    assert result.exit_code == 0, result.output
    assert json.loads(one.read_text(encoding="utf-8")) == export(fresh(a.id))
    printed = runner.invoke(args=["eqia", "export", "--id", str(b.id)])
    assert json.loads(printed.output) == export(fresh(b.id))

    backup = tmp_path / "all.json"
    assert runner.invoke(args=["eqia", "export", "--all", "--output", str(backup)]).exit_code == 0
    everything = json.loads(backup.read_text(encoding="utf-8"))
    assert len(everything["assessments"]) == assessments()

    before = assessments()
    imported = runner.invoke(args=["eqia", "import", str(one)])  # as its own author, who has an account
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("Imported EQIA-") and assessments() == before + 1
    refused = runner.invoke(args=["eqia", "import", str(backup), "--as", world.admin.email])
    assert refused.exit_code == 1 and "You do not have a role that can start an assessment" in refused.output
    result = runner.invoke(args=["eqia", "import", str(backup), "--as", world.author.email])
    assert result.exit_code == 0, result.output
    assert assessments() == before + 1 + len(everything["assessments"])


def test_a_backup_with_one_bad_document_imports_none_of_them(world, runner, tmp_path):
    world.make_assessment()
    world.make_assessment("full_assessment")
    backup = tmp_path / "all.json"
    assert runner.invoke(args=["eqia", "export", "--all", "--output", str(backup)]).exit_code == 0
    data = json.loads(backup.read_text(encoding="utf-8"))
    data["assessments"][1]["evidence"] = [{"number": 1}]
    backup.write_text(json.dumps(data), encoding="utf-8")
    before, events = assessments(), audit_count()
    result = runner.invoke(args=["eqia", "import", str(backup), "--as", world.author.email])
    assert result.exit_code == 1
    assert "$.assessments[1].evidence[0].kind: is missing" in result.output
    assert (assessments(), audit_count()) == (before, events)


def test_the_command_needs_someone_to_import_as(world, runner, tmp_path):
    doc = export(world.make_assessment())
    doc["created_by"] = {"email": "left-years-ago@example.test", "name": "Gone"}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["eqia", "import", str(path)])
    assert result.exit_code == 1 and "$.created_by.email" in result.output and "--as EMAIL" in result.output
    unknown = runner.invoke(args=["eqia", "import", str(path), "--as", "nobody@example.test"])
    assert unknown.exit_code != 0 and "There is no user nobody@example.test" in unknown.output
    assert runner.invoke(args=["eqia", "export"]).exit_code != 0  # neither --id nor --all


def test_importing_follows_the_rules_for_starting_an_assessment(world):
    doc = export(world.make_assessment())
    before = assessments()
    with pytest.raises(Forbidden):
        import_document(world.decider, doc)  # a decision-maker does not start assessments
    with pytest.raises(Forbidden):
        import_document(world.outsider, doc)  # an author of another directorate
    assert assessments() == before


def test_imported_hostile_text_is_kept_verbatim_and_shown_escaped(world, client, auth):
    doc = _minimal(world)
    imported = fresh(import_document(world.author, doc).assessment.id)
    assert imported.title == HOSTILE
    auth.sign_in(world.author)
    page = client.get(f"/assessments/{imported.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    history = db.session.execute(sa.select(AuditEvent).where(AuditEvent.assessment_id == imported.id)).scalars()
    assert [e.action for e in history] == [IMPORT_ACTION]


# ------------------------------------------------------------------ the API

def test_the_api_creates_an_assessment_from_a_document(world, api):
    doc = _minimal(world)
    api.as_user(world.author)
    response = api.post("/assessments", json=doc)
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert response.headers["Location"] == body["href"] and body["state"] == STANDARD.initial
    got = api.get(f"/assessments/{body['id']}").get_json()
    assert {k: got[k] for k in CONTENT_KEYS} == {k: doc[k] for k in CONTENT_KEYS}
    assert got["lock_version"] >= 1 and got["reference"] == body["reference"]
    assert {a["trigger"] for a in got["allowed_actions"]} and got["pdf"].endswith("/pdf")


def test_the_api_refuses_a_bad_document_with_its_paths(world, api):
    api.as_user(world.author)
    doc = _minimal(world)
    doc["evidence"][0]["dated"] = "2026-13-01"
    before = assessments()
    bad = is_problem(api.post("/assessments", json=doc), 422)
    assert {"path": "$.evidence[0].dated", "message": "'2026-13-01' is not a real date"} in bad["errors"]
    assert is_problem(api.post("/assessments", data="{", content_type="application/json"), 400)["errors"]
    is_problem(api.post("/assessments", data="title=x", content_type="application/x-www-form-urlencoded"), 415)
    is_problem(api.post("/assessments", data=b" " * (9 * 1024 * 1024), content_type="application/json"), 413)
    api.as_user(world.decider)
    is_problem(api.post("/assessments", json=_minimal(world)), 403)
    assert assessments() == before + 1  # only _minimal's own source assessment


# ------------------------------------------------------------------ PUT: editing with a document

def _read(api, assessment_id: int) -> tuple[dict, str]:
    response = api.get(f"/assessments/{assessment_id}")
    assert response.status_code == 200
    return response.get_json(), response.headers["ETag"]


def test_a_put_saves_each_changed_part_through_the_pages_services(world, api):
    a = full(world, "full_assessment")
    api.as_user(world.author)
    doc, etag = _read(api, a.id)
    assert etag == f'"{doc["lock_version"]}"'
    events = audit_count()
    doc["register_details"]["title"] = "Library opening hours, revised " + HOSTILE
    doc["evidence"].append({"number": 2, "kind": "research", "source": "Regional study", "dated": "2025-01-31",
                            "summary": "Evening use by carers", "link": "https://example.test/study"})
    doc["characteristics"][0]["evidence_cited"] = [1, 2]
    doc["action_plan"]["items"][0]["owner"] = "Head of Libraries"
    del doc["completions"]  # marks left to the saves, as a page's draft save leaves them
    response = api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag})
    assert response.status_code == 200, response.data
    saved = response.get_json()
    assert response.headers["ETag"] == f'"{saved["lock_version"]}"' and saved["lock_version"] > doc["lock_version"]
    for key in CONTENT_KEYS:
        assert saved[key] == doc[key], key
    # One audited save per part, as on the pages; a changed section is no longer marked completed.
    edits = [e["action"] for e in saved["audit"][-(audit_count() - events):]]
    assert edits == [EDIT_ACTION_PREFIX + s for s in ("register_details", "evidence", "characteristics",
                                                      "action_plan")]
    completed = {c["section"] for c in saved["completions"]}
    assert {"register_details", "evidence", "action_plan", f"characteristic:{doc['characteristics'][0]['characteristic']}"} \
        .isdisjoint(completed) and "consultation" in completed
    # The same document again changes nothing.
    again = api.put(f"/assessments/{a.id}", json=saved, headers={"If-Match": response.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["lock_version"] == saved["lock_version"]
    # Listing sections in `completions` marks them, after their checks, as "Yes" on their pages does.
    saved["completions"].append({"section": "evidence", "completed_by": None, "completed_at": None})
    saved["completions"] = [{"section": c["section"], "completed_by": {"email": "", "name": ""},
                             "completed_at": "2000-01-01T00:00:00.000000Z"} for c in saved["completions"]]
    marked = api.put(f"/assessments/{a.id}", json=saved, headers={"If-Match": response.headers["ETag"]})
    assert marked.status_code == 200, marked.data
    evidence = next(c for c in marked.get_json()["completions"] if c["section"] == "evidence")
    assert evidence["completed_by"]["email"] == world.author.email  # who marked it: the caller, not the file


def test_a_put_is_all_or_nothing_and_names_the_path(world, api):
    a = full(world, "full_assessment")
    api.as_user(world.author)
    doc, etag = _read(api, a.id)
    before, events = export(fresh(a.id)), audit_count()
    doc["register_details"]["title"] = "Saved first, then undone"
    doc["evidence"][0]["dated"] = "2999-01-01"  # refused by the evidence rules, after the title's save
    bad = is_problem(api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}), 422)
    assert [e["path"] for e in bad["errors"]] == ["$.evidence[0].dated"]
    assert export(fresh(a.id)) == before and audit_count() == events
    doc["evidence"][0]["kind"] = "rumour"
    assert is_problem(api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}),
                      422)["errors"][0]["path"] == "$.evidence[0].kind"


def test_a_put_needs_the_current_lock_version(world, api):
    a = full(world, "full_assessment")
    api.as_user(world.author)
    doc, etag = _read(api, a.id)
    doc["intersectional_effects"] = "Checked again"
    is_problem(api.put(f"/assessments/{a.id}", json=doc), 428)
    assert is_problem(api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": "yesterday"}),
                      400)["errors"][0]["path"] == "header.If-Match"
    is_problem(api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": f'"{doc["lock_version"] - 1}"'}), 409)
    assert api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}).status_code == 200
    is_problem(api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}), 409)  # now stale


@pytest.mark.parametrize("change,path", [
    (lambda d: d.update(state="signed_off"), "$.state"),
    (lambda d: d["sign_offs"].append({}), "$.sign_offs"),
    (lambda d: d["characteristics"].pop() and d["screening"]["answers"].pop(), "$.characteristics"),
])
def test_a_put_cannot_change_what_is_not_content(change, path, world, api):
    a = full(world, "full_assessment")
    api.as_user(world.author)
    doc, etag = _read(api, a.id)
    change(doc)
    assert path in [e["path"].split("[")[0] for e in is_problem(
        api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}), 422)["errors"]]


def test_a_put_is_refused_where_the_pages_refuse_editing(world, api):
    signed = full(world, "published")
    api.as_user(world.author)
    doc, etag = _read(api, signed.id)
    doc["register_details"]["title"] = "Rewritten after publication"
    assert "cannot be changed while it is published" in is_problem(
        api.put(f"/assessments/{signed.id}", json=doc, headers={"If-Match": etag}), 403)["detail"]
    screening = world.make_assessment()
    doc, etag = _read(api, screening.id)
    doc["evidence"] = [{"number": 1, "kind": "data", "source": "Early", "dated": None, "summary": "Too soon",
                        "link": ""}]
    assert "cannot be started while" in is_problem(
        api.put(f"/assessments/{screening.id}", json=doc, headers={"If-Match": etag}), 403)["detail"]
    api.as_user(world.decider)
    doc, etag = _read(api, screening.id)
    doc["register_details"]["aims"] = "Not mine to change"
    is_problem(api.put(f"/assessments/{screening.id}", json=doc, headers={"If-Match": etag}), 403)
    api.as_user(world.outsider)
    is_problem(api.put(f"/assessments/{screening.id}", json=doc, headers={"If-Match": etag}), 404)


def test_everything_the_pages_do_to_an_eqia_can_be_done_over_the_api(world, api, client):
    """Start, write, mark complete, submit, challenge, answer, approve, sign and publish: API only."""
    author, lead, second_lead, decider = (Api(client).as_user(u) for u in (world.author, world.lead, world.lead2,
                                                                            world.decider))
    doc = _minimal(world)
    created = author.post("/assessments", json=doc)
    assert created.status_code == 201, created.data
    a_id = created.get_json()["id"]

    def act(caller, trigger, **body):
        response = caller.post(f"/assessments/{a_id}/actions/{trigger}", json={"comment": "Done", **body})
        assert response.status_code == 200, (trigger, response.data)
        return response.get_json()

    def mark(caller, keys):
        current, etag = _read(caller, a_id)
        current["completions"] = [{"section": k, "completed_by": {"email": "", "name": ""},
                                   "completed_at": "2000-01-01T00:00:00.000000Z"} for k in keys]
        response = caller.put(f"/assessments/{a_id}", json=current, headers={"If-Match": etag})
        assert response.status_code == 200, response.data
        return response.get_json()

    unfinished = mark(author, ["register_details"])
    wrong = author.put(f"/assessments/{a_id}", json={**unfinished, "completions": [
        {"section": "action_plan", "completed_by": {"email": "", "name": ""},
         "completed_at": "2000-01-01T00:00:00.000000Z"}]}, headers={"If-Match": f'"{unfinished["lock_version"]}"'})
    assert "cannot be started while" in is_problem(wrong, 403)["detail"]  # the action plan, in screening
    mark(author, ["register_details", "screening"])
    act(author, "start_full_assessment")
    everything = ["register_details", "screening", "evidence", "consultation", "intersectional", "outcome",
                  "action_plan", *(f"characteristic:{c['characteristic']}" for c in doc["characteristics"])]
    mark(author, everything)
    act(author, "submit_for_challenge")

    # The lead's points, as on the review page; then back to the author.
    refused = is_problem(lead.post(f"/assessments/{a_id}/challenge-points", json={"points": {
        "evidence": {"status": None, "comment": "No status"}}}), 422)
    assert refused["errors"][0]["path"] == '$.points["evidence"].status'
    is_problem(author.post(f"/assessments/{a_id}/challenge-points", json={"points": {
        "evidence": {"status": "acceptable", "comment": ""}}}), 403)
    is_problem(lead.post(f"/assessments/{a_id}/challenge-points", json={"points": {"nonsense": {}}}), 422)
    pointed = lead.post(f"/assessments/{a_id}/challenge-points", json={"points": {
        "evidence": {"status": "to_correct", "comment": "Add the 2025 visitor survey " + HOSTILE}}})
    assert pointed.status_code == 200, pointed.data
    assert pointed.get_json()["challenge"][0]["points"][0]["comment"].endswith(HOSTILE)
    returned = act(lead, "return_to_author")

    # The author's answers, as on the respond page.
    is_problem(author.post(f"/assessments/{a_id}/challenge-answers", json={
        "lock_version": returned["lock_version"] - 1, "answers": {"evidence": {"response": "accepted",
                                                                               "text": "Added"}}}), 409)
    missing = is_problem(author.post(f"/assessments/{a_id}/challenge-answers", json={
        "lock_version": returned["lock_version"], "answers": {"evidence": {"response": "accepted", "text": ""}}}),
        422)
    assert missing["errors"][0]["path"] == '$.answers["evidence"].text'
    is_problem(lead.post(f"/assessments/{a_id}/challenge-answers", json={
        "lock_version": returned["lock_version"], "answers": {"evidence": {"response": "accepted",
                                                                           "text": "Not mine"}}}), 403)
    answered = author.post(f"/assessments/{a_id}/challenge-answers", json={
        "lock_version": returned["lock_version"], "answers": {
            "evidence": {"response": "accepted", "text": "Added the survey"},
            "overall": {"response": "accepted", "text": "Done, as the comment asked"}}})  # the return's own
    assert answered.status_code == 200, answered.data
    assert answered.get_json()["challenge"][0]["points"][0]["response_text"] == "Added the survey"
    act(author, "submit_for_challenge")
    act(second_lead, "approve")
    act(decider, "sign_off", attested=True, password=PASSWORD)
    published = act(second_lead, "publish")
    assert published["state"] == "published" and len(published["sign_offs"]) == 1
    assert signing.verify(fresh(a_id)).ok


def test_no_write_of_the_api_changes_a_signed_version(world, client):
    a = full(world, "signed_off")
    before = export(fresh(a.id))
    for user in (world.author, world.lead, world.admin, world.decider):
        caller = Api(client).as_user(user)
        doc, etag = _read(caller, a.id)
        doc["register_details"]["title"] = "Changed after signing"
        doc["completions"] = []
        put = caller.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag})
        points = caller.post(f"/assessments/{a.id}/challenge-points", json={"points": {
            "evidence": {"status": "to_correct", "comment": "Too late"}}})
        answers = caller.post(f"/assessments/{a.id}/challenge-answers", json={
            "lock_version": doc["lock_version"], "answers": {"evidence": {"response": "accepted", "text": "x"}}})
        for response in (put, points, answers):
            assert response.status_code in (403, 409), (user.email, response.request.path, response.data)
    assert export(fresh(a.id)) == before


def test_a_document_full_of_errors_is_answered_with_the_first_fifty(world):
    doc = {"format": FORMAT, "audit": [{}] * 50_000}
    problems = check(doc)
    assert 0 < len(problems) <= 50


def test_a_plain_import_does_not_carry_who_may_see_it(world):
    doc = _minimal(world)
    doc.update(restricted=True, viewers=[{"email": world.decider.email, "name": world.decider.name}])
    result = import_document(world.author, doc)
    assert not fresh(result.assessment.id).restricted and fresh(result.assessment.id).viewers == []
    assert any("not restricted" in note for note in result.notes)


def test_a_put_refuses_a_section_it_cannot_mark_and_a_field_no_page_asks(world, api):
    a = full(world, "full_assessment")
    api.as_user(world.author)
    doc, etag = _read(api, a.id)
    doc["completions"].append({"section": "characteristics", "completed_by": None, "completed_at": None})
    assert is_problem(api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}), 422)["errors"]
    doc, etag = _read(api, a.id)
    doc["screening"]["answers"][0]["advances_reason"] = "Not on the page"
    assert "$.screening.answers[0].advances_reason" in [e["path"] for e in is_problem(
        api.put(f"/assessments/{a.id}", json=doc, headers={"If-Match": etag}), 422)["errors"]]


# ------------------------------------------------------------------ provenance

PROVENANCE = {"title": "Equality impact assessment: library opening hours", "organisation": "Kent County Council",
              "url": "https://democracy.example.test/documents/eqia-libraries.pdf", "published_on": "2025-03-14"}


def test_an_imported_assessment_keeps_where_it_came_from(world, api, client, auth):
    from tests.test_pdf import text_of

    doc = {**_minimal(world), "provenance": PROVENANCE}
    api.as_user(world.author)
    created = api.post("/assessments", json=doc)
    assert created.status_code == 201, created.data
    assessment_id = created.get_json()["id"]
    assert api.get(f"/assessments/{assessment_id}").get_json()["provenance"] == PROVENANCE
    assert export(fresh(assessment_id))["provenance"] == PROVENANCE
    auth.sign_in(world.author)
    page = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert "Kent County Council" in page and "14 March 2025" in page
    assert f'href="{PROVENANCE["url"]}"' in page and PROVENANCE["title"] in page
    pdf = text_of(client.get(f"/assessments/{assessment_id}/pdf").data)
    for words in ("Kent County Council", PROVENANCE["title"], "14 March 2025", PROVENANCE["url"]):
        assert words in pdf, words
    # Made here, it says so; an export of it carries no provenance.
    made_here = world.make_assessment()
    assert export(made_here)["provenance"] is None
    assert "Kent County Council" not in client.get(f"/assessments/{made_here.id}").get_data(as_text=True)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "//evil.example.test/x"])
def test_a_provenance_address_that_is_not_a_web_page_is_refused(url, world, api):
    from eqia.assessments.sections import LINK_NOT_WEB

    doc = {**_minimal(world), "provenance": {**PROVENANCE, "url": url}}
    before = assessments()
    api.as_user(world.author)
    bad = is_problem(api.post("/assessments", json=doc), 422)
    assert bad["errors"] == [{"path": "$.provenance.url", "message": LINK_NOT_WEB}]
    assert assessments() == before


def test_a_provenance_address_changed_behind_the_service_is_never_a_live_link(world, client, auth):
    doc = {**_minimal(world), "provenance": PROVENANCE}
    imported = import_document(world.author, doc).assessment
    db.session.execute(sa.update(Assessment).where(Assessment.id == imported.id)
                       .values(provenance_url="javascript:alert(1)"))
    db.session.commit()
    auth.sign_in(world.author)
    page = client.get(f"/assessments/{imported.id}").get_data(as_text=True)
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
    assert client.get(f"/assessments/{imported.id}/pdf").status_code == 200


def test_a_refused_record_of_a_backup_is_named_by_its_index_and_reference(world, runner, tmp_path):
    world.make_assessment()
    second = world.make_assessment("full_assessment")
    backup = tmp_path / "all.json"
    assert runner.invoke(args=["eqia", "export", "--all", "--output", str(backup)]).exit_code == 0
    data = json.loads(backup.read_text(encoding="utf-8"))
    assert data["assessments"][1]["reference"] == second.reference
    data["assessments"][1]["register_details"]["directorate"] = "Department of Nowhere"
    backup.write_text(json.dumps(data), encoding="utf-8")
    before = assessments()
    result = runner.invoke(args=["eqia", "import", str(backup), "--as", world.author.email])
    assert result.exit_code == 1
    assert f"- record $.assessments[1] ({second.reference} version 1): $.assessments[1].register_details.directorate" \
        in result.output
    refused = runner.invoke(args=["eqia", "import", str(backup), "--as", world.admin.email])
    assert refused.exit_code == 1
    first = data["assessments"][0]["reference"]
    assert f"record $.assessments[0] ({first} version 1): You do not have a role that can start an assessment" \
        in refused.output
    assert assessments() == before
