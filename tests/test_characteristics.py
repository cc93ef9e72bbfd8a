"""The characteristic set is configuration: another jurisdiction's set works
without code changes, and a broken file stops start-up clearly."""

from __future__ import annotations

from datetime import date, timedelta

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
    from eqia.assessments.sections import aim_not_applicable, mitigation_missing

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


# ------------------------------------------------------------ kinds of activity

def test_the_default_kinds_of_activity_cover_what_councils_assess():
    kinds = load_characteristics().activity_kinds
    for label in ("Policy", "Strategy", "Function", "Project", "Procurement", "Budget proposal", "Other"):
        assert any(v.startswith(label) for v in kinds.values()), label
    # The kinds assessments already hold keep their keys.
    assert {"new", "change", "review", "decommission", "budget", "procurement", "employment"} <= set(kinds)


def test_the_kinds_of_activity_are_configuration_for_pages_api_and_import(tmp_path, make_app):
    from bs4 import BeautifulSoup

    from eqia.interchange.exporter import export
    from eqia.interchange.importer import BadDocument, import_document
    from eqia.services.assessments import ACTIVITY_KIND_UNKNOWN
    from eqia.services.errors import Invalid

    config = tmp_path / "other.yaml"
    config.write_text(OTHER_SET + "activity_kinds:\n  - {key: grant_scheme, label: Grant scheme}\n"
                      "  - {key: policy, label: Policy}\n")
    app = make_app(EQIA_CHARACTERISTICS=str(config))
    with app.app_context():
        from tests.conftest import Auth, World

        world = World()
        assessment = world.make_assessment(activity_kind="grant_scheme")
        assert assessment.activity_kind == "grant_scheme"
        with pytest.raises(Invalid) as refused:
            world.make_assessment(activity_kind="budget")  # the default list's, not this deployment's
        assert [p.message for p in refused.value.problems] == [ACTIVITY_KIND_UNKNOWN]
        client = app.test_client()
        Auth(client).sign_in(world.author)
        page = BeautifulSoup(client.get(f"/assessments/{assessment.id}/details").data, "html.parser")
        assert [(o["value"], o.get_text()) for o in page.select("#activity_kind option")] == [
            ("", "Select the kind of activity"), ("grant_scheme", "Grant scheme"), ("policy", "Policy")]
        assert "Grant scheme" in client.get(f"/assessments/{assessment.id}/check").get_data(as_text=True)
        served = client.get("/api/v1/schema/assessment.json").get_json()
        assert served["properties"]["register_details"]["properties"]["activity_kind"]["enum"] == [
            "grant_scheme", "policy", None]
        doc = export(assessment)
        assert import_document(world.author, doc).assessment.activity_kind == "grant_scheme"
        doc["register_details"]["activity_kind"] = "budget"
        with pytest.raises(BadDocument) as bad:
            import_document(world.author, doc)
        assert [(p.path, p.message) for p in bad.value.document_problems] == [
            ("$.register_details.activity_kind", "must be one of: grant_scheme, policy, null")]
        db.session.remove()


# ------------------------------------------------------------ jurisdiction profiles

SECTION_75 = ["Religious belief", "Political opinion", "Racial group", "Age", "Marital status",
              "Sexual orientation", "Men and women generally", "Disability", "Dependants"]
NI_DUTY = "Section 75 statutory duties (Northern Ireland Act 1998, section 75 and Schedule 9)"


def test_each_shipped_profile_says_its_groups_aims_scales_and_duty():
    from eqia.characteristics import PROFILES

    england = load_characteristics(PROFILES["england"])
    assert england == load_characteristics()  # the default: what deployments ran before profiles
    assert (england.key, england.version, england.duty.citation) == ("england", 1, "Equality Act 2010, section 149")

    ni = load_characteristics(PROFILES["northern_ireland"])
    assert (ni.key, ni.duty.name) == ("northern_ireland", "Section 75 statutory duties")
    assert [c.name for c in ni.characteristics] == SECTION_75 and all(c.statutory for c in ni.characteristics)
    # Two duties: equality of opportunity for all nine; good relations for three.
    assert list(ni.aims) == ["b", "c"] and ni.aims["b"].startswith("Promote equality of opportunity")
    assert [c.key for c in ni.characteristics if "c" in c.aims] == [
        "religious_belief", "political_opinion", "racial_group"]
    assert all(c.aims in (("b",), ("b", "c")) for c in ni.characteristics)
    assert [i.label for i in ni.scale("screening_answer")] == ["Major", "Minor", "None"]
    assert ni.section_title("intersectional", "") == "Multiple identity and cumulative effects"

    wales = load_characteristics(PROFILES["wales"])
    assert {"socio_economic", "welsh_language"} <= {c.key for c in wales.characteristics if c.statutory}
    assert "Welsh Language" in wales.duty.citation and "sections 1 and 149" in wales.duty.citation


def test_the_profile_is_chosen_by_a_setting(tmp_path, make_app):
    from eqia.loaded_definitions import characteristics

    with make_app(EQIA_PROFILE="northern_ireland").app_context():
        assert characteristics().key == "northern_ireland"
    with make_app(EQIA_PROFILE="wales").app_context():
        assert characteristics().key == "wales"
    own = tmp_path / "own.yaml"
    own.write_text(OTHER_SET)
    with make_app(EQIA_PROFILE=str(own)).app_context():
        assert (characteristics().key, characteristics().duty.citation) == ("own", "Equality Act 2010, section 149")
    with pytest.raises(CharacteristicConfigError) as error:
        make_app(EQIA_PROFILE="scotland")
    assert str(error.value) == ("EQIA_PROFILE: there is no profile called 'scotland' (choose one of england, wales, "
                                "northern_ireland, or give the path of a profile file)")
    broken = tmp_path / "broken.yaml"
    broken.write_text(OTHER_SET.replace("aims: {a: Eliminate discrimination, ", "aims: {"))
    with pytest.raises(CharacteristicConfigError) as error:
        load_characteristics(broken)
    assert "characteristics[0].aims[0]: 'a' is not one of this profile's aims (b, c)" in str(error.value)


def test_a_section_75_screening_goes_from_start_to_a_published_screening_decision(make_app):
    """Northern Ireland: nine categories, a major/minor/none scale, the Section 75
    duty named on the pages and in the PDF, recorded on the assessment; the agreed
    screening decision is final and published on the register, as Section 75
    councils publish theirs."""
    from bs4 import BeautifulSoup

    from eqia.models import Assessment
    from eqia.services.assessments import ScreeningInput, update_register_details, update_screening
    from eqia.services.workflow import perform_transition
    from tests.test_pdf import text_of

    app = make_app(EQIA_PROFILE="northern_ireland")
    with app.app_context():
        from tests.conftest import Auth, World

        world = World()
        from eqia.services.assessments import create_assessment

        a = create_assessment(world.author, world.details(activity_kind="policy", title="Leisure centre pricing"))
        assert (a.profile_key, a.profile_version) == ("northern_ireland", 1)
        assert [r.characteristic_label for r in a.screening_answers] == SECTION_75
        client = app.test_client()
        Auth(client).sign_in(world.author)
        page = BeautifulSoup(client.get(f"/assessments/{a.id}/screening").data, "html.parser")
        assert [i["value"] for i in page.select("input[name=answer_political_opinion]")] == ["major", "minor", "none"]
        assert ("Political opinion: what is the likely impact on equality of opportunity for people in this "
                "category?") in page.get_text()
        assert [i["value"] for i in page.select("input[name=advances_political_opinion]")] == ["yes", "no"]
        assert NI_DUTY in " ".join(page.select_one("footer").get_text().split())

        update_register_details(a.id, world.author, {}, a.lock_version, complete=True)
        db.session.expire_all()
        a = db.session.get(Assessment, a.id)
        update_screening(a.id, world.author, ScreeningInput(
            answers={r.characteristic_key: ("none", "Prices are the same for everyone; usage data by category",
                                            "no") for r in a.screening_answers},
            relevance="low", conclusion="No impact on any Section 75 category; multiple identity considered",
            proposal="screen_out", review_date=date.today() + timedelta(days=365)), a.lock_version, complete=True)
        perform_transition(a.id, "propose_screen_out", world.author, comment="No impact on any category")
        done = perform_transition(a.id, "agree_screen_out", world.lead, comment="Agreed: screened out")
        assert done.state == "screened_out"

        overview = " ".join(BeautifulSoup(client.get(f"/assessments/{a.id}").data, "html.parser").get_text().split())
        assert "Northern Ireland (Section 75 of the Northern Ireland Act 1998), version 1" in overview
        pdf = text_of(client.get(f"/assessments/{a.id}/pdf").data)
        for words in ("Under the " + NI_DUTY, "Equality impact assessment: Northern Ireland Act 1998, s.75",
                      *SECTION_75, "Religious belief None"):
            assert words in pdf, words
        assert "Equality Act 2010" not in pdf
        assert "DRAFT" not in pdf

        published = perform_transition(a.id, "publish_screening", world.lead2)
        assert published.state == "screening_published"
        public = app.test_client()
        listed = " ".join(BeautifulSoup(public.get("/register").data, "html.parser").get_text().split())
        assert "Leisure centre pricing" in listed
        summary = public.get(f"/register/{published.reference}/v1")
        assert summary.status_code == 200
        shown = " ".join(BeautifulSoup(summary.data, "html.parser").get_text().split())
        assert "Screening decision" in shown and NI_DUTY in shown
        db.session.remove()


def test_a_section_75_full_assessment_asks_good_relations_only_for_its_three_categories(make_app):
    from bs4 import BeautifulSoup

    from eqia.services.workflow import perform_transition

    app = make_app(EQIA_PROFILE="northern_ireland")
    with app.app_context():
        from tests.conftest import Auth, World

        world = World()
        a = world.make_assessment(answer="minor", activity_kind="policy")
        perform_transition(a.id, "start_full_assessment", world.author)
        client = app.test_client()
        Auth(client).sign_in(world.author)
        tasks = BeautifulSoup(client.get(f"/assessments/{a.id}/tasks").data, "html.parser")
        names = [x.get_text(strip=True) for x in tasks.select(".govuk-task-list__link")]
        assert names[4:13] == SECTION_75 and "Multiple identity and cumulative effects" in names
        for key, aims in (("political_opinion", ["b", "c"]), ("age", ["b"]), ("dependants", ["b"])):
            page = BeautifulSoup(client.get(f"/assessments/{a.id}/groups/{key}").data, "html.parser")
            assert [i["value"] for i in page.select("input[name=aims_relevant]")] == aims, key
            assert "Eliminate discrimination" not in page.get_text()
        db.session.remove()


def test_the_england_profile_names_the_equality_act_on_pages_and_in_the_pdf(world, client, auth):
    from tests.test_pdf import text_of

    a = world.make_assessment()
    assert (a.profile_key, a.profile_version) == ("england", 1)
    auth.sign_in(world.author)
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert "Public Sector Equality Duty (Equality Act 2010, section 149)" in page
    pdf = text_of(client.get(f"/assessments/{a.id}/pdf").data)
    assert "Under the Public Sector Equality Duty (Equality Act 2010, section 149)" in pdf
    assert "Equality impact assessment: Equality Act 2010, s.149" in pdf


def test_an_assessment_made_under_england_stays_readable_under_section_75(make_app):
    """A group and an aim this profile does not have (England's sex, aim (a)) are shown, not lost."""
    from bs4 import BeautifulSoup

    from eqia.interchange.exporter import export
    from eqia.interchange.importer import import_document

    app = make_app(EQIA_PROFILE="northern_ireland")
    with app.app_context():
        from tests.conftest import Auth, World

        world = World()
        doc = export(world.make_assessment(answer="minor", activity_kind="policy"))
        sex = {"characteristic": "sex", "label": "Sex"}
        doc["profile"] = {"key": "england", "version": 1}
        doc["evidence"] = [{"number": 1, "kind": "data", "source": "Leisure card data", "dated": None,
                            "summary": "Users by sex", "link": ""}]
        doc["screening"]["answers"] = [{**sex, "affects": "yes", "reason": "More women use it",
                                        "advances_equality": "no", "advances_reason": ""}]
        doc["characteristics"] = [{**sex, "impact": "negative", "severity": "high", "aims": {
            "eliminate_discrimination": True, "advance_equality": None, "foster_good_relations": None},
            "evidence_narrative": "Fewer evening sessions", "no_evidence_reason": "", "mitigation": "Creche",
            "evidence_cited": []}]
        imported = import_document(world.author, doc).assessment
        assert (imported.profile_key, imported.profile_version) == ("england", 1)
        client = app.test_client()
        Auth(client).sign_in(world.author)
        check = client.get(f"/assessments/{imported.id}/check")
        assert check.status_code == 200
        overview = " ".join(BeautifulSoup(client.get(f"/assessments/{imported.id}").data, "html.parser")
                            .get_text().split())
        # This service has England's profile: the assessment names the duty it was made under.
        assert "England (Equality Act 2010) with common local additions, version 1" in overview
        pdf = text_of_pdf(client.get(f"/assessments/{imported.id}/pdf").data)
        assert "Under the Public Sector Equality Duty (Equality Act 2010, section 149)" in pdf
        assert "Aim (a) of another profile" in pdf and "Sex" in pdf
        db.session.remove()


def text_of_pdf(data: bytes) -> str:
    from tests.test_pdf import text_of

    return text_of(data)


@pytest.mark.parametrize("profile,answer,regard", [
    ("northern_ireland", "minor", "the need to promote equality of opportunity, and the desirability of promoting good "
                         "relations, under section 75 of the Northern Ireland Act 1998"),
    ("wales", "yes", "the aims of the Public Sector Equality Duty (section 149 of the Equality Act 2010), the "
              "socio-economic duty (section 1 of that Act) and the effects on the Welsh language the Welsh "
              "Language Standards ask to be considered"),
])
def test_the_signatory_confirms_regard_to_their_own_jurisdictions_duty(make_app, profile, answer, regard):
    """The words a decision-maker signs name the duty of the profile the assessment
    was made under, on the sign-off page and in the stored signature, register and PDF."""
    from bs4 import BeautifulSoup

    from eqia.services.workflow import perform_transition
    from tests.test_pdf import text_of

    app = make_app(EQIA_PROFILE=profile)
    with app.app_context():
        from tests.conftest import PASSWORD, Auth, World

        world = World()
        a = world.make_assessment("awaiting_sign_off", answer=answer, activity_kind="policy")
        assert a.profile_key == profile
        statement = ("I have read this assessment, including the impact on each group, the mitigations, the "
                     "consultation and the challenge review, and I have paid due regard to " + regard +
                     " before the decision is made.")
        client = app.test_client()
        Auth(client).sign_in(world.decider)
        page = BeautifulSoup(client.get(f"/assessments/{a.id}/actions/sign_off").data, "html.parser")
        assert page.select_one("#attestation").get_text(" ", strip=True) == statement
        signed = perform_transition(a.id, "sign_off", world.decider, attested=True, password=PASSWORD)
        [signature] = signed.sign_offs
        assert signature.attestation == statement
        pdf = " ".join(text_of(client.get(f"/assessments/{a.id}/pdf").data).split())
        assert statement in pdf
        published = perform_transition(a.id, "publish", world.lead2)
        public = " ".join(BeautifulSoup(app.test_client().get(f"/register/{published.reference}/v1").data,
                                        "html.parser").get_text().split())
        assert statement in public
        db.session.remove()
