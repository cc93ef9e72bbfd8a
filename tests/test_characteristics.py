"""The characteristic set is configuration: another jurisdiction's set works
without code changes, and a broken file stops start-up clearly."""

from __future__ import annotations

import pytest

from eqia.characteristics import CharacteristicConfigError, load_characteristics
from eqia.extensions import db

# A different set: other names, a different number of groups, age split in two.
OTHER_SET = """
name: Another jurisdiction
characteristics:
  - {key: older_people, name: Older people, aims: [a, b, c], hint: People aged 65 and over.}
  - {key: younger_people, name: Younger people, aims: [a, b, c], hint: People under 25.}
  - {key: political_opinion, name: Political opinion, aims: [a, b], hint: Any political opinion.}
  - {key: dependants, name: People with dependants, aims: [a], hint: People who care for others.}
aims: {a: Eliminate discrimination, b: Promote equality of opportunity, c: Promote good relations}
scales:
  screening_answer:
    - {key: "yes", label: "Yes", meaning: affects}
    - {key: "no", label: "No", meaning: no_effect}
    - {key: unsure, label: Unsure, meaning: unknown}
  relevance: [{key: high, label: High}, {key: low, label: Low}]
  impact:
    - {key: better, label: Better, meaning: positive}
    - {key: worse, label: Worse, meaning: negative}
  severity: [{key: major, label: Major}, {key: minor, label: Minor}]
"""


def test_the_default_set_is_the_statutory_nine_plus_local_additions():
    loaded = load_characteristics()
    assert [c.name for c in loaded.characteristics if c.statutory] == [
        "Age", "Disability", "Gender reassignment", "Marriage and civil partnership", "Pregnancy and maternity",
        "Race", "Religion or belief", "Sex", "Sexual orientation"]
    assert loaded.get("marriage_civil_partnership").aims == ("a",)
    assert {c.key for c in loaded.characteristics if not c.statutory} == {
        "carers", "socio_economic", "care_experienced", "armed_forces"}


def test_another_jurisdictions_set_works_without_code_changes(tmp_path, make_app):
    config = tmp_path / "other.yaml"
    config.write_text(OTHER_SET)
    app = make_app(EQIA_CHARACTERISTICS=str(config))
    with app.app_context():
        from tests.conftest import World, Auth

        world = World()
        assessment = world.make_assessment(answer="unsure")
        assert [a.characteristic_label for a in assessment.screening_answers] == [
            "Older people", "Younger people", "Political opinion", "People with dependants"]
        client = app.test_client()
        Auth(client).sign_in(world.author)
        page = client.get(f"/assessments/{assessment.id}/screening").data.decode()
        assert "Political opinion: could the activity affect people in this group differently?" in page
        assert "Unsure" in page and "Age:" not in page
        # Its own "unknown" answer blocks a screen-out, as "Don't know" does in the default set.
        response = client.post(f"/assessments/{assessment.id}/actions/propose_screen_out",
                               data={"comment": "None"})
        assert response.status_code == 409 and "Still unknown: Older people" in response.data.decode()
        db.session.remove()


@pytest.mark.parametrize("change,message", [
    (lambda s: s.replace("meaning: unknown", "meaning: maybe"), "scales.screening_answer[2]"),
    (lambda s: s.replace("key: dependants", "key: older_people"), "key 'older_people' is used twice"),
    (lambda s: s.replace("aims: [a]", "aims: [d]"), "characteristics[3].aims[0]"),
    (lambda s: s + "outcomes:\n  - {key: carry_on}\n", "outcomes[0].key: unknown outcome 'carry_on'"),
    (lambda s: s + "outcomes:\n  - {key: stop, excludes: [stop]}\n", "outcomes[0].excludes[0]"),
    (lambda s: s + "outcomes:\n  - {key: stop, not_beside_adverse: [grave]}\n",
     "outcomes[0].not_beside_adverse[0]: 'grave' is not on the severity scale"),
])
def test_a_broken_set_names_the_file_and_the_problem(tmp_path, change, message):
    config = tmp_path / "broken.yaml"
    config.write_text(change(OTHER_SET))
    with pytest.raises(CharacteristicConfigError) as error:
        load_characteristics(config)
    assert str(config) in str(error.value) and message in str(error.value)


def test_the_full_assessment_follows_another_jurisdictions_set(tmp_path, make_app):
    """Its groups become the task list's tasks, its aims and scales the group
    page's questions, and its "aim (a) only" group is enforced like marriage
    and civil partnership is in England."""
    from bs4 import BeautifulSoup

    from eqia.models import Assessment
    from eqia.services import content
    from eqia.services.workflow import perform_transition
    from eqia.workflow.sections import aim_not_applicable, mitigation_missing

    config = tmp_path / "other.yaml"
    config.write_text(OTHER_SET)
    app = make_app(EQIA_CHARACTERISTICS=str(config))
    with app.app_context():
        from tests.conftest import Auth, World

        world = World()
        assessment = world.make_assessment(answer="yes")
        perform_transition(assessment.id, "start_full_assessment", world.author)
        client = app.test_client()
        Auth(client).sign_in(world.author)

        tasks = BeautifulSoup(client.get(f"/assessments/{assessment.id}/tasks").data, "html.parser")
        names = [a.get_text(strip=True) for a in tasks.select(".govuk-task-list__link")]
        assert names[4:8] == ["Older people", "Younger people", "Political opinion", "People with dependants"]
        assert "Age" not in names

        page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/groups/dependants").data, "html.parser")
        assert [i["value"] for i in page.select("input[name=aims_relevant]")] == ["a"]
        assert [i["value"] for i in page.select("input[name=impact]")] == ["better", "worse"]
        assert "Promote equality of opportunity" not in page.get_text()

        def post(**fields):
            db.session.expire_all()
            lock = db.session.get(Assessment, assessment.id).lock_version
            return client.post(f"/assessments/{assessment.id}/groups/dependants",
                               data={"lock_version": lock, "completed": "yes", "evidence_narrative": "Reasons",
                                     "no_evidence_reason": "None held", **fields})

        refused = BeautifulSoup(post(impact="worse", severity="major", aims_relevant=["a", "b"]).data, "html.parser")
        assert [li.get_text(strip=True) for li in refused.select(".govuk-error-summary__list li")] == [
            aim_not_applicable("People with dependants", ["Eliminate discrimination"])]
        # No evidence about the group: one click adds the action to gather it (and keeps the draft).
        assert post(impact="worse", severity="major", aims_relevant=["a"], gather="1").status_code == 302
        errors = BeautifulSoup(post(impact="worse", severity="major", aims_relevant=["a"]).data, "html.parser")
        assert [li.get_text(strip=True) for li in errors.select(".govuk-error-summary__list li")] == [
            mitigation_missing("People with dependants")]

        # Every group answered in this set's own terms, and the assessment moves on.
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        # (World.write_full_assessment speaks the default set's "neutral", which this set does not have.)
        content.save_item(content.EVIDENCE, current.id, world.author, current.lock_version, None, {
            "kind": "data", "source": "Census", "dated": None, "summary": "Ages of residents", "link": ""})
        for key in ("older_people", "younger_people", "political_opinion", "dependants"):
            db.session.expire_all()
            current = db.session.get(Assessment, assessment.id)
            content.update_impact(current.id, world.author, current.lock_version, key, content.ImpactInput(
                impact="better", severity=None, aims=frozenset({"a"}), evidence_narrative="Better access",
                cited_evidence_ids=frozenset({current.evidence_items[0].id}), no_evidence_reason="",
                mitigation=""), True)
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        assert all(current.is_completed(f"characteristic:{k}") for k in
                   ("older_people", "younger_people", "political_opinion", "dependants"))
        db.session.remove()
