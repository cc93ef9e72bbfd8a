"""The duty's aims are the profile's: any number of them, each applying to the
groups the profile says.

Wales: the socio-economic duty (Equality Act 2010, section 1) asks a strategic
decision to have due regard to reducing the inequalities of outcome that result
from socio-economic disadvantage; the Welsh Language Standards ask a policy
decision to consider its effects on opportunities to use Welsh and on treating
Welsh no less favourably than English. Neither is an aim of section 149, so the
socio-economic and Welsh language groups are asked about their own aims, and
refused the PSED's. England's assessments are as they were.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from eqia.characteristics import PROFILES, load_characteristics
from eqia.extensions import db
from eqia.interchange.exporter import export
from eqia.interchange.importer import import_document
from eqia.models import Assessment
from eqia.services.pdf_document import context_for
from eqia.services import content, tokens, version_pdfs
from eqia.services.errors import Invalid
from eqia.services.record import content_record
from eqia.assessments.sections import aim_not_applicable, aims_for, completion_key
from tests.conftest import Auth, World
from tests.test_pdf import text_of

SOCIO = "reduce_socio_economic_inequality"
WELSH_USE, WELSH_EQUAL = "welsh_language_use", "welsh_no_less_favourably"
PSED = ("a", "b", "c")
PSED_NAMES = ("eliminate_discrimination", "advance_equality", "foster_good_relations")


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


@pytest.fixture
def wales(make_app):
    app = make_app(EQIA_PROFILE="wales")
    with app.app_context():
        yield app


def analysis(aims: set[str], **overrides) -> content.ImpactInput:
    values = dict(impact="negative", severity="medium", aims=frozenset(aims),
                  evidence_narrative="Fewer buses from the estates with the lowest incomes",
                  cited_evidence_ids=frozenset(), no_evidence_reason="No local data yet",
                  mitigation="Keep the evening service on the two routes most used")
    values.update(overrides)
    return content.ImpactInput(**values)


# ------------------------------------------------------------------ the profiles

def test_wales_gives_the_socio_economic_duty_and_the_welsh_language_aims_of_their_own():
    wales = load_characteristics(PROFILES["wales"])
    assert list(wales.aims) == [*PSED, SOCIO, WELSH_USE, WELSH_EQUAL]
    assert "inequalities of outcome" in wales.aims[SOCIO] and "socio-economic disadvantage" in wales.aims[SOCIO]
    assert "use the Welsh language" in wales.aims[WELSH_USE]
    assert "no less favourably than the English language" in wales.aims[WELSH_EQUAL]
    assert aims_for("socio_economic", wales) == (SOCIO,)
    assert aims_for("welsh_language", wales) == (WELSH_USE, WELSH_EQUAL)
    others = [c for c in wales.characteristics if c.key not in ("socio_economic", "welsh_language")]
    assert {c.aims for c in others} == {PSED, ("a",)}
    # The name each aim has in an interchange document: the PSED's three keep theirs.
    assert [wales.aim_name(k) for k in wales.aims] == [*PSED_NAMES, SOCIO, WELSH_USE, WELSH_EQUAL]


def test_england_and_northern_ireland_keep_their_aims():
    england = load_characteristics(PROFILES["england"])
    assert list(england.aims) == list(PSED)
    assert aims_for("socio_economic", england) == PSED
    assert aims_for("marriage_civil_partnership", england) == ("a",)
    ni = load_characteristics(PROFILES["northern_ireland"])
    assert list(ni.aims) == ["b", "c"]


def test_a_profile_cannot_give_an_aim_a_name_the_psed_aims_already_have(tmp_path):
    from eqia.characteristics import CharacteristicConfigError

    text = PROFILES["wales"].read_text(encoding="utf-8").replace(f"  {SOCIO}:", "  advance_equality:").replace(
        f"aims: [{SOCIO}]", "aims: [advance_equality]")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(CharacteristicConfigError) as error:
        load_characteristics(broken)
    assert "aims.advance_equality" in str(error.value)


# --------------------------------------------------------- Wales, through the page

def test_a_wales_assessment_records_the_socio_economic_aim_through_the_page(wales):
    world = World()
    a = world.make_assessment("full_assessment")
    assert a.profile_key == "wales"
    client = wales.test_client()
    Auth(client).sign_in(world.author)
    url = f"/assessments/{a.id}/groups/socio_economic"
    page = BeautifulSoup(client.get(url).data, "html.parser")
    boxes = page.select("input[name=aims_relevant]")
    profile = load_characteristics(PROFILES["wales"])
    assert [b["value"] for b in boxes] == [SOCIO]
    assert profile.aims[SOCIO] in page.get_text()

    form = {"impact": "negative", "severity": "medium", "aims_relevant": ["a", SOCIO],
            "evidence_narrative": "Fewer buses from the estates with the lowest incomes",
            "no_evidence_reason": "No local data yet", "mitigation": "Keep the evening service",
            "completed": "no", "lock_version": str(fresh(a.id).lock_version)}
    refused = client.post(url, data=form)
    assert refused.status_code == 200
    message = aim_not_applicable("Socio-economic disadvantage", [profile.aims[SOCIO]])
    assert message in " ".join(BeautifulSoup(refused.data, "html.parser").select_one(
        ".govuk-error-summary").get_text().split())
    assert fresh(a.id).impact_for("socio_economic").aims == {
        SOCIO: True}  # as the factory wrote it: the refused save changed nothing

    saved = client.post(url, data={**form, "aims_relevant": [], "lock_version": str(fresh(a.id).lock_version)})
    assert saved.status_code == 302
    assert fresh(a.id).impact_for("socio_economic").aims == {SOCIO: False}
    saved = client.post(url, data={**form, "aims_relevant": [SOCIO], "lock_version": str(fresh(a.id).lock_version)})
    assert saved.status_code == 302
    row = fresh(a.id).impact_for("socio_economic")
    assert row.aims == {SOCIO: True} and row.relevant_aims == [SOCIO]
    # The PSED's aims were never asked about this group: not said, not "not relevant".
    assert (row.aim_eliminate_discrimination, row.aim_advance_equality, row.aim_foster_good_relations) == \
        (None, None, None)
    page = BeautifulSoup(client.get(url).data, "html.parser")
    assert [b["value"] for b in page.select("input[name=aims_relevant][checked]")] == [SOCIO]
    # The record lists it, and the answers page names it.
    assert content_record(fresh(a.id))["sections"][completion_key("characteristics", "socio_economic")]["aims"] \
        == [SOCIO]
    check = " ".join(BeautifulSoup(client.get(f"/assessments/{a.id}/check").data, "html.parser").get_text().split())
    assert profile.aims[SOCIO] in check


def test_the_welsh_language_group_is_asked_about_both_welsh_language_aims(wales):
    world = World()
    a = world.make_assessment("full_assessment")
    content.update_impact(a.id, world.author, fresh(a.id).lock_version, "welsh_language",
                          analysis({WELSH_USE, WELSH_EQUAL}, impact="positive", severity=None), None)
    assert fresh(a.id).impact_for("welsh_language").relevant_aims == [WELSH_USE, WELSH_EQUAL]
    with pytest.raises(Invalid) as refusal:
        content.update_impact(a.id, world.author, fresh(a.id).lock_version, "welsh_language",
                              analysis({"b"}), None)
    profile = load_characteristics(PROFILES["wales"])
    assert [p.message for p in refusal.value.problems] == [
        aim_not_applicable("Welsh language", [profile.aims[WELSH_USE], profile.aims[WELSH_EQUAL]])]
    # And the other groups are not asked about them.
    with pytest.raises(Invalid):
        content.update_impact(a.id, world.author, fresh(a.id).lock_version, "age", analysis({SOCIO}), None)


# ----------------------------------------------------------- Wales, through the API

def test_a_wales_assessment_records_the_socio_economic_aim_through_the_api(wales):
    world = World()
    a = world.make_assessment("full_assessment")
    client = wales.test_client()
    _, token = tokens.create_token(world.author, "tests")
    headers = {"Authorization": f"Bearer {token}"}
    doc = client.get(f"/api/v1/assessments/{a.id}", headers=headers).get_json()
    n = next(i for i, c in enumerate(doc["characteristics"]) if c["characteristic"] == "socio_economic")
    assert doc["characteristics"][n]["aims"] == {**dict.fromkeys(PSED_NAMES), SOCIO: True}

    doc["characteristics"][n]["aims"] = {**dict.fromkeys(PSED_NAMES), "advance_equality": True, SOCIO: True}
    refused = client.put(f"/api/v1/assessments/{a.id}", json=doc,
                         headers={**headers, "If-Match": str(doc["lock_version"])})
    assert refused.status_code == 422, refused.data
    profile = load_characteristics(PROFILES["wales"])
    assert refused.get_json()["errors"] == [{
        "path": f"$.characteristics[{n}].aims",
        "message": aim_not_applicable("Socio-economic disadvantage", [profile.aims[SOCIO]])}]

    doc["characteristics"][n]["aims"] = {SOCIO: False}
    done = client.put(f"/api/v1/assessments/{a.id}", json=doc, headers={**headers, "If-Match": str(doc["lock_version"])})
    assert done.status_code == 200, done.data
    assert fresh(a.id).impact_for("socio_economic").aims == {SOCIO: False}
    doc = done.get_json()
    doc["characteristics"][n]["aims"] = {SOCIO: True}
    done = client.put(f"/api/v1/assessments/{a.id}", json=doc, headers={**headers, "If-Match": str(doc["lock_version"])})
    assert done.status_code == 200, done.data
    assert done.get_json()["characteristics"][n]["aims"] == {**dict.fromkeys(PSED_NAMES), SOCIO: True}
    assert fresh(a.id).impact_for("socio_economic").aims == {SOCIO: True}


def test_a_wales_export_imports_with_its_own_aims_and_exports_the_same(wales):
    world = World()
    a = world.make_assessment("full_assessment")
    content.update_impact(a.id, world.author, fresh(a.id).lock_version, "welsh_language",
                          analysis({WELSH_EQUAL}, impact="positive", severity=None), None)
    doc = export(fresh(a.id))
    aims = {c["characteristic"]: c["aims"] for c in doc["characteristics"]}
    assert aims["socio_economic"] == {**dict.fromkeys(PSED_NAMES), SOCIO: True}
    assert aims["welsh_language"] == {**dict.fromkeys(PSED_NAMES), WELSH_USE: False, WELSH_EQUAL: True}
    assert aims["age"] == {"eliminate_discrimination": True, "advance_equality": False,
                           "foster_good_relations": False}
    copy = import_document(world.author, doc).assessment
    again = export(fresh(copy.id))
    assert again["characteristics"] == doc["characteristics"]
    assert fresh(copy.id).impact_for("welsh_language").aims == {WELSH_USE: False, WELSH_EQUAL: True}
    # The schema says which names it takes: the PSED's three, and the names of other aims.
    from eqia.interchange.schema import schema

    aims_schema = schema()["properties"]["characteristics"]["items"]["properties"]["aims"]
    assert set(PSED_NAMES) <= set(aims_schema["properties"])
    assert SOCIO in aims_schema["description"] and WELSH_USE in aims_schema["description"]


def test_the_pdf_names_the_socio_economic_aim(wales):
    world = World()
    a = world.make_assessment("full_assessment")
    profile = load_characteristics(PROFILES["wales"])
    context = context_for(fresh(a.id))
    assert context["aims"]["socio_economic"] == [profile.aims[SOCIO]]
    assert context["aims"]["age"] == [profile.aims["a"]]
    # A line may break after a hyphen ("socio-" / "economic").
    text = text_of(version_pdfs.pdf_for(fresh(a.id)).data).replace("- ", "-")
    assert f"Aims of the duty it bears on {profile.aims[SOCIO]} Reasons" in text
    assert f"Aims of the duty it bears on {profile.aims[WELSH_USE]} Reasons" in text


# ------------------------------------------------------------ England unchanged

def test_an_england_assessment_keeps_the_three_aims_everywhere(world, client, auth):
    a = world.make_assessment("full_assessment")
    content.update_impact(a.id, world.author, fresh(a.id).lock_version, "age", analysis({"a", "c"}), None)
    row = fresh(a.id).impact_for("age")
    assert row.aims == {"a": True, "b": False, "c": True}
    assert (row.aim_eliminate_discrimination, row.aim_advance_equality, row.aim_foster_good_relations) == \
        (True, False, True)
    assert content_record(fresh(a.id))["sections"][completion_key("characteristics", "age")]["aims"] == ["a", "c"]
    assert export(fresh(a.id))["characteristics"][0]["aims"] == {
        "eliminate_discrimination": True, "advance_equality": False, "foster_good_relations": True}
    auth.sign_in(world.author)
    page = BeautifulSoup(client.get(f"/assessments/{a.id}/groups/age").data, "html.parser")
    assert [b["value"] for b in page.select("input[name=aims_relevant]")] == list(PSED)
    assert [b["value"] for b in page.select("input[name=aims_relevant][checked]")] == ["a", "c"]


def test_a_review_of_a_wales_assessment_copies_each_groups_aims_and_the_signed_version_keeps_them(wales):
    world = World()
    a = world.make_assessment("published")
    signed = content_record(fresh(a.id))
    world.take(a, "start_review")
    following = fresh(a.id).next_version
    assert following.impact_for("socio_economic").aims == {SOCIO: True}
    assert following.impact_for("welsh_language").aims == {WELSH_USE: True, WELSH_EQUAL: False}
    assert following.impact_for("age").aims == {"a": True, "b": False, "c": False}
    # The new version's answers are rows of its own: the published version is as it was signed.
    assert {x.impact_id for x in following.impact_for("socio_economic").aim_answers} == {
        following.impact_for("socio_economic").id} != {fresh(a.id).impact_for("socio_economic").id}
    assert content_record(fresh(a.id)) == signed
