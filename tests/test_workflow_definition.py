"""Workflow files are checked at start-up; a mistake names the file and path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from eqia import create_app
from eqia.config import PROJECT_ROOT
from eqia.workflow.definition import WorkflowDefinitionError, load_definitions
from tests.conftest import base_config

SOURCE = PROJECT_ROOT / "workflows"


def broken_copy(tmp_path: Path, change) -> Path:
    shutil.copy(SOURCE / "workflow.schema.json", tmp_path)
    data = yaml.safe_load((SOURCE / "standard.yaml").read_text())
    change(data)
    (tmp_path / "standard.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return tmp_path


def trigger_index(data, trigger):
    return next(i for i, t in enumerate(data["transitions"]) if t["trigger"] == trigger)


def sod_index(data, trigger):
    return next(i for i, r in enumerate(data["segregation_of_duties"]) if r["trigger"] == trigger)


def test_the_standard_workflow_loads():
    definition = load_definitions(SOURCE).current("standard")
    assert definition.initial == "screening"
    assert {"screening", "challenge", "signed_off", "published", "withdrawn"} <= set(definition.states)
    assert definition.states["signed_off"].frozen and not definition.states["signed_off"].editable_by


@pytest.mark.parametrize("change,path,message", [
    (lambda d: d["transitions"][trigger_index(d, "approve")]["roles"].__setitem__(0, "aprover"),
     "transitions[{approve}].roles[0]", "unknown role 'aprover'"),
    (lambda d: d["transitions"][trigger_index(d, "sign_off")]["guards"].__setitem__(0, "before_lunch"),
     "transitions[{sign_off}].guards[0]", "unknown guard 'before_lunch'"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].__setitem__("dest", "nowhere"),
     "transitions[{approve}].dest", "unknown state 'nowhere'"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].__setitem__("required_fields", ["colour"]),
     "transitions[{approve}].required_fields[0]", "unknown required field 'colour'"),
    (lambda d: d["states"]["screening"].__setitem__("editable_by", ["everyone"]),
     "states.screening.editable_by[0]", "unknown role 'everyone'"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].pop("roles"),
     "transitions[{approve}]", "'roles' is a required property"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].pop("done"),
     "transitions[{approve}]", "'done' is a required property"),
    (lambda d: d["states"]["challenge"].pop("phrase"), "states.challenge", "'phrase' is a required property"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].__setitem__("comment", "sometimes"),
     "transitions[{approve}].comment", "'sometimes' is not one of"),
    (lambda d: d["segregation_of_duties"][0]["excluded"].append("the_butler"),
     "segregation_of_duties[0].excluded[{sod0_next}]", "unknown party 'the_butler'"),
    (lambda d: d["segregation_of_duties"][0]["excluded"].append("Responders"),
     "segregation_of_duties[0].excluded[{sod0_next}]", "does not match"),
    (lambda d: d["segregation_of_duties"][0]["excluded"].append("creator"),
     "segregation_of_duties[0].excluded", "has non-unique elements"),
    # A screen-out agreed is settled: that version never reaches sign-off.
    (lambda d: d["segregation_of_duties"][sod_index(d, "sign_off")]["excluded"].append("agree_screen_out"),
     "segregation_of_duties[{sod_sign_off}].excluded[{sod_sign_off_next}]",
     "'agree_screen_out' is never taken before 'sign_off' on the same version"),
    # {duty} is filled from the assessment's profile; any other name in braces is a typo.
    (lambda d: d["transitions"][trigger_index(d, "sign_off")].__setitem__(
        "attestation", "I have paid due regard to {dutty}."),
     "transitions[{sign_off}].attestation", "the only name that may stand in braces is {duty}"),
    (lambda d: d["transitions"][trigger_index(d, "sign_off")].__setitem__(
        "attestation", "I have paid due regard to {duty."),
     "transitions[{sign_off}].attestation", "the only name that may stand in braces is {duty}"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].__setitem__("trigger", "editors"),
     "transitions[{approve}].trigger", "reserved"),
    (lambda d: d["transitions"].append(dict(d["transitions"][0])),
     "transitions[{last}].trigger", "defined twice"),
    (lambda d: d["transitions"][trigger_index(d, "approve")].__setitem__("trigger", "to_published"),
     "transitions[{approve}].trigger", "reserved"),
])
def test_a_broken_definition_names_the_file_and_the_bad_entry(tmp_path, change, path, message):
    data = yaml.safe_load((SOURCE / "standard.yaml").read_text())
    rules = data["segregation_of_duties"]
    indexes = {"approve": trigger_index(data, "approve"), "sign_off": trigger_index(data, "sign_off"),
               "last": len(data["transitions"]), "sod0_next": len(rules[0]["excluded"]),
               "sod_sign_off": sod_index(data, "sign_off"),
               "sod_sign_off_next": len(rules[sod_index(data, "sign_off")]["excluded"])}
    directory = broken_copy(tmp_path, change)
    with pytest.raises(WorkflowDefinitionError) as error:
        load_definitions(directory)
    assert error.value.file == str(directory / "standard.yaml")
    assert error.value.path == path.format(**indexes)
    assert message in error.value.message


def test_unreachable_state_fails_the_load(tmp_path):
    def orphan(d):
        d["states"]["limbo"] = {"label": "Limbo", "phrase": "in limbo", "description": "Nothing leads here."}
    with pytest.raises(WorkflowDefinitionError, match=r"states\.limbo: no transition leads to this state"):
        load_definitions(broken_copy(tmp_path, orphan))


def test_invalid_yaml_names_the_line(tmp_path):
    shutil.copy(SOURCE / "workflow.schema.json", tmp_path)
    (tmp_path / "standard.yaml").write_text("name: standard\nstates: [unclosed\n")
    with pytest.raises(WorkflowDefinitionError, match=r"line \d+, column \d+: not valid YAML"):
        load_definitions(tmp_path)


def test_a_broken_definition_stops_start_up(tmp_path, database_url_for_test):
    def bad(d):
        d["transitions"][0]["roles"] = ["nobody"]
    directory = broken_copy(tmp_path, bad)
    with pytest.raises(WorkflowDefinitionError, match="standard.yaml: transitions\\[0\\].roles\\[0\\]"):
        create_app({**base_config(database_url_for_test), "EQIA_WORKFLOWS_DIR": str(directory)})


def test_a_right_is_loaded_with_its_roles_and_states():
    definition = load_definitions(SOURCE).current("standard")
    right = definition.rights["update_action"]
    assert right.roles == {"author", "equality_lead"}
    assert "signed_off" in right.states and "full_assessment" not in right.states


@pytest.mark.parametrize("change,path,message", [
    (lambda d: d["rights"]["update_action"]["roles"].append("gardener"),
     "rights.update_action.roles[2]", "unknown role 'gardener'"),
    (lambda d: d["rights"]["update_action"]["states"].insert(0, "nowhere"),
     "rights.update_action.states[0]", "unknown state 'nowhere'"),
    (lambda d: d["rights"].__setitem__("approve", dict(d["rights"]["update_action"])),
     "rights.approve", "a right is not a transition"),
    (lambda d: d["rights"]["update_action"].pop("states"), "rights.update_action", "'states' is a required"),
    (lambda d: d["rights"]["update_action"].__setitem__("roles", []), "rights.update_action.roles",
     "should be non-empty"),
])
def test_a_broken_right_names_the_file_and_the_bad_entry(tmp_path, change, path, message):
    directory = broken_copy(tmp_path, change)
    with pytest.raises(WorkflowDefinitionError) as error:
        load_definitions(directory)
    assert error.value.path == path
    assert message in error.value.message


def test_the_review_date_arriving_is_a_timed_transition_nobody_is_offered():
    definition = load_definitions(SOURCE).current("standard")
    timed = {t.trigger: (t.after, t.sources, t.dest) for t in definition.timed_transitions()}
    assert timed == {
        "review_falls_due": ("review_date", ("published",), "review_due"),
        # A screen-out's, on the date given when it was proposed; one never published stays off the register.
        "screening_review_falls_due": ("review_date", ("screened_out",), "screening_review_due"),
        "published_screening_review_falls_due": ("review_date", ("screening_published",),
                                                 "screening_decision_review_due"),
    }
    assert all(t.system and not t.roles for t in definition.timed_transitions())
    assert not definition.states["screening_review_due"].public
    assert definition.states["screening_decision_review_due"].public
    # The person's own way to it stays, for a review needed sooner.
    assert not definition.transitions["mark_review_due"].timed


@pytest.mark.parametrize("change,field,message", [
    (lambda t: t.__setitem__("after", "birthday"), "after", "unknown date 'birthday' (known: review_date)"),
    (lambda t: (t.__setitem__("system", False), t.__setitem__("roles", ["admin"])), "after",
     "only a system transition can be timed: mark it system: true"),
    (lambda t: t.__setitem__("dest", None), "dest", "a timed transition must lead to a state"),
    (lambda t: (t.__setitem__("comment", "required"), t.__setitem__("comment_label", "Why?")), "after",
     "a timed transition is taken by nobody"),
    (lambda t: t.__setitem__("after", "Review date"), "after", "does not match"),
])
def test_a_broken_timed_transition_names_the_file_and_the_bad_entry(tmp_path, change, field, message):
    def breaks(data):
        change(data["transitions"][trigger_index(data, "review_falls_due")])

    data = yaml.safe_load((SOURCE / "standard.yaml").read_text())
    directory = broken_copy(tmp_path, breaks)
    with pytest.raises(WorkflowDefinitionError) as error:
        load_definitions(directory)
    assert error.value.path == f"transitions[{trigger_index(data, 'review_falls_due')}].{field}"
    assert message in error.value.message


def test_the_standard_workflow_says_which_notice_each_transition_sends():
    definition = load_definitions(SOURCE).current("standard")
    named = {t.trigger: t.notice for t in definition.transitions.values() if t.notice}
    assert named == {
        "reject_screen_out": "returned_to_author", "return_to_author": "returned_to_author",
        "return_for_more_work": "returned_to_author", "approve": "awaiting_sign_off", "sign_off": "signed",
        "publish": "published", "publish_screening": "published", "mark_review_due": "review_due",
        "review_falls_due": "review_due", "screening_review_falls_due": "review_due",
        "published_screening_review_falls_due": "review_due",
    }
    # The rest are work handed over (submitted, started...), the notifications' default.
    assert definition.transitions["submit_for_challenge"].notice == ""


@pytest.mark.parametrize("notice,message", [
    ("birthday_card", "unknown notice 'birthday_card' (known: awaiting_sign_off, handed_over, published, "
                      "returned_to_author, review_due, signed)"),
    # A reminder is the daily sweep's, never a transition's.
    ("action_overdue", "unknown notice 'action_overdue'"),
    ("Signed", "does not match"),
])
def test_a_transition_naming_a_notice_nobody_sends_does_not_load(tmp_path, notice, message):
    data = yaml.safe_load((SOURCE / "standard.yaml").read_text())
    directory = broken_copy(tmp_path, lambda d: d["transitions"][trigger_index(d, "sign_off")].__setitem__(
        "notice", notice))
    with pytest.raises(WorkflowDefinitionError) as error:
        load_definitions(directory)
    assert error.value.path == f"transitions[{trigger_index(data, 'sign_off')}].notice"
    assert message in error.value.message
