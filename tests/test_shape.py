"""The shape of an EqIA (eqia.assessments.shape) is what every whole view of it
carries: for every field declared there, a value written on an assessment is in
the signed record under the field's record key, survives export and import,
is changed by a PUT (or refused, for a field no page changes), is copied by a
review, and is shown in the PDF; the JSON Schema and the forms allow the
shape's limits and choices. Each check runs over the shape, so a field added
to it and forgotten in one of those fails here, by name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from html import unescape
from wtforms.validators import Length

from eqia.assessments import shape
from eqia.assessments.shape import (
    ACCOUNT,
    ACTIVITY_KIND,
    AIMS,
    CHOICE,
    CITATIONS,
    DATE,
    DIRECTORATE,
    GROUP,
    OUTCOME_SET,
    SCALE,
    TEXT,
    Field,
    Items,
    Part,
)
from eqia.extensions import db
from eqia.interchange.exporter import export
from eqia.interchange.edit import replace_content
from eqia.interchange.importer import BadDocument, aims_said, import_document
from eqia.interchange.schema import schema
from eqia.models import Assessment, AssessmentOutcome, Directorate, User, utcnow
from eqia.loaded_definitions import characteristics, definition_for
from eqia.services import content
from eqia.services.pdf_document import html_for
from eqia.services.record import content_record
from eqia.services.versions import create_next_version
from eqia.templating import evidence_citation, govuk_date
from eqia.workflow.hooks import TransitionContext

FIELDS = list(shape.every_field())


def name(entry) -> str:
    part, items, field = entry
    return f"{part.key}.{items.collection + '.' if items else ''}{field.key}"


def fresh(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def row_of(a: Assessment, items: Items | None):
    """The row a field is read from: the assessment, or the first of its rows."""
    return getattr(a, items.collection)[0] if items else a


def stored(a: Assessment, items: Items | None, field: Field):
    """The field's value on the assessment, as a plain value."""
    row = row_of(a, items)
    if field.kind == AIMS:
        return row.relevant_aims
    if field.kind == CITATIONS:
        numbers = {e.id: n for n, e in enumerate(a.evidence_items, start=1)}
        return sorted(numbers[e.id] for e in row.evidence)
    if field.kind == OUTCOME_SET:
        return sorted(o.outcome for o in a.outcomes)
    return getattr(row, field.key)


def account_id(email: str) -> int:
    return db.session.execute(db.select(User.id).where(User.email == email)).scalar_one()


def sample(a: Assessment, part: Part, field: Field, n: int):
    """A value for the field that no other field holds and the assessment did not have."""
    profile = characteristics()
    if field.key == "characteristic_label":  # the screening answer and the analysis name the group alike
        return "Shape group"
    if field.key == "link":
        return "https://example.test/shape-link"
    if field.kind == TEXT:
        return f"Shape {n:02d} {part.key} {field.key}"
    if field.kind == DATE:
        return date(2024, 1, 1) + timedelta(days=n)
    if field.kind == CHOICE:
        return list(field.choices)[-1]
    if field.kind == SCALE:
        return profile.scales[field.scale][-1].key
    if field.kind == ACTIVITY_KIND:
        return list(profile.activity_kinds)[-1]
    if field.kind == AIMS:
        return {"a": True, "b": False, "c": True}
    if field.kind == CITATIONS:
        return [2]
    if field.kind == OUTCOME_SET:
        return ["adjust", "stop"]
    if field.kind == ACCOUNT:
        return account_id("lead@example.test")
    return None  # the directorate and the groups' keys stay as they are: they name other rows


def filled(world) -> Assessment:
    """Written through the services, then every field given a value of its own."""
    a = world.write_full_assessment(world.make_assessment("full_assessment"))
    content.save_item(content.EVIDENCE, a.id, world.author, fresh(a.id).lock_version, None, {
        "kind": "research", "source": "Second study", "dated": date(2023, 5, 6), "summary": "More",
        "link": ""})
    content.add_gathering_action(a.id, world.author, fresh(a.id).lock_version, "age")
    db.session.commit()
    a = fresh(a.id)
    for n, (part, items, field) in enumerate(FIELDS):
        value = sample(a, part, field, n)
        row = row_of(a, items)
        if field.kind == AIMS:
            row.set_aims(value)
        elif field.kind == CITATIONS:
            row.evidence = [a.evidence_items[number - 1] for number in value]
        elif field.kind == OUTCOME_SET:
            a.outcomes = [AssessmentOutcome(outcome=o) for o in value]
        elif field.kind == GROUP and items is not None and items.collection == "actions":
            row.characteristic_key = a.impacts[0].characteristic_key
        elif value is not None:
            setattr(row, field.key, value)
    db.session.commit()
    return fresh(a.id)


# ----------------------------------------------------------------- the record

def in_record(record: dict, a: Assessment, part: Part, items: Items | None, field: Field):
    sections = record["sections"]
    node = sections[f"characteristic:{a.impacts[0].characteristic_key}" if part.per_group else part.record]
    if items is not None and items.record:
        node = node[items.record][0]
    return node[field.record]


def as_json(value):
    return value.isoformat() if isinstance(value, date) else value


def test_every_field_is_in_the_signed_record_under_its_record_key(world, subtests):
    a = filled(world)
    record = content_record(a)
    for entry in FIELDS:
        part, items, field = entry
        with subtests.test(field=name(entry)):
            if field.kind == ACCOUNT:  # the record names the person (the owner's name), never an account id
                assert field.record is None
                continue
            if field.record is None:
                assert part.per_group and field.kind == GROUP  # named by its task's key instead
                assert f"characteristic:{stored(a, items, field)}" in record["sections"]
                continue
            assert in_record(record, a, part, items, field) == as_json(stored(a, items, field))


# ---------------------------------------------------------- the interchange

def in_document(doc: dict, part: Part, items: Items | None, field: Field):
    node = doc[part.interchange] if part.interchange else doc
    if items is not None:
        node = (node[items.interchange] if items.interchange else node)[0]
    return node[field.interchange]


def set_in_document(doc: dict, part: Part, items: Items | None, field: Field, value) -> None:
    node = doc[part.interchange] if part.interchange else doc
    if items is not None:
        node = (node[items.interchange] if items.interchange else node)[0]
    node[field.interchange] = value


def from_document(value, field: Field):
    """A document's value as the assessment stores it."""
    if field.kind == DATE:
        return date.fromisoformat(value) if value else None
    if field.kind == DIRECTORATE:
        return db.session.execute(db.select(Directorate.id).where(Directorate.name == value)).scalar_one()
    if field.kind == AIMS:
        return sorted(k for k, on in aims_said({"aims": value}).items() if on)
    if field.kind == ACCOUNT:
        return account_id(value)
    return value


def test_every_field_is_exported_under_its_interchange_key_and_imported_back(world, subtests):
    a = filled(world)
    doc = export(a)
    made = import_document(world.author, doc).assessment
    db.session.commit()
    made = fresh(made.id)
    a = fresh(a.id)
    for entry in FIELDS:
        part, items, field = entry
        with subtests.test(field=name(entry)):
            assert from_document(in_document(doc, part, items, field), field) == stored(a, items, field)
            assert stored(made, items, field) == stored(a, items, field)


def put_value(a: Assessment, part: Part, items: Items | None, field: Field):
    """Another value a page could have saved (dates a day earlier keep every date rule)."""
    now = stored(a, items, field)
    if field.kind == TEXT:
        return f"{now} (put)"
    if field.kind == DATE:
        return (now or date(2024, 6, 1)) - timedelta(days=1)
    if field.kind == CHOICE:
        return list(field.choices)[0]
    if field.kind == SCALE:  # an adverse impact keeps the severity the next PUT gives
        negative = sorted(characteristics().keys_meaning("impact", "negative"))[0]
        return negative if field.scale == "impact" else characteristics().scales[field.scale][0].key
    if field.kind == ACTIVITY_KIND:
        return list(characteristics().activity_kinds)[0]
    if field.kind == AIMS:
        return ["a"]
    if field.kind == CITATIONS:
        return [1, 2]
    if field.kind == OUTCOME_SET:
        return ["adjust"]
    if field.kind == ACCOUNT:
        return account_id("decider@example.test")
    return None


def to_document(value, field: Field, a: Assessment):
    if field.kind == DATE:
        return value.isoformat()
    if field.kind == ACCOUNT:
        return db.session.get(User, value).email
    if field.kind == AIMS:
        names = {"a": "eliminate_discrimination", "b": "advance_equality", "c": "foster_good_relations"}
        return {names[k]: (k in value) for k in names}
    return value


def test_a_put_changes_every_field_a_page_changes_and_refuses_the_others(world, subtests):
    a = filled(world)
    for entry in FIELDS:
        part, items, field = entry
        if field.kind in (DIRECTORATE, GROUP) and field.edited:
            continue  # another directorate is another's to write in; a group's key names its row
        with subtests.test(field=name(entry)):
            a = fresh(a.id)
            doc = export(a)
            doc.pop("completions")
            if not field.edited:
                now = in_document(doc, part, items, field)
                set_in_document(doc, part, items, field, f"{now}x" if isinstance(now, str) else "age")
                with pytest.raises(BadDocument):
                    replace_content(a.id, world.author, a.lock_version, doc)
                db.session.rollback()
                continue
            value = put_value(a, part, items, field)
            set_in_document(doc, part, items, field, to_document(value, field, a))
            replace_content(a.id, world.author, a.lock_version, doc)
            db.session.commit()
            assert stored(fresh(a.id), items, field) == value


def test_a_review_copies_every_field(world, subtests):
    a = filled(world)
    definition = definition_for(a)
    made = create_next_version(TransitionContext(
        record=a, user=world.author, definition=definition, transition=definition.transitions["start_review"],
        extras=characteristics(), now=utcnow()))
    db.session.commit()
    made, a = fresh(made.id), fresh(a.id)
    assert made.version_number == a.version_number + 1
    for entry in FIELDS:
        part, items, field = entry
        with subtests.test(field=name(entry)):
            assert field.copied
            assert stored(made, items, field) == stored(a, items, field)


# ---------------------------------------------------------------------- the PDF

def shown(a: Assessment, items: Items | None, field: Field) -> list[str]:
    """The words the PDF shows for the field's value."""
    value, profile = stored(a, items, field), characteristics()
    if field.kind == DATE:
        return [govuk_date(value)]
    if field.kind == CHOICE:
        return [field.choices[value]]
    if field.kind == SCALE:
        return [profile.label(field.scale, value)]
    if field.kind == ACTIVITY_KIND:
        return [profile.activity_kinds[value]]
    if field.kind == DIRECTORATE:
        return [a.directorate.name]
    if field.kind == AIMS:
        return profile.aim_labels(value)
    if field.kind == CITATIONS:
        return [evidence_citation(a.evidence_items[n - 1]) for n in value]
    if field.kind == OUTCOME_SET:
        return [field.choices[o] for o in value]
    return [value]


def test_every_printed_field_is_in_the_pdf(world, app, subtests):
    a = filled(world)
    with app.test_request_context():
        html, _ = html_for(a)
    page = unescape(html).lower()
    for entry in FIELDS:
        part, items, field = entry
        with subtests.test(field=name(entry)):
            if not field.printed:
                continue
            for words in shown(a, items, field):
                assert words.lower() in page


# ------------------------------------------------------- the schema and forms

def schema_of(document_schema: dict, part: Part, items: Items | None, field: Field) -> dict:
    node = document_schema["properties"][part.interchange] if part.interchange else document_schema
    if items is not None:
        node = node["properties"][items.interchange]["items"] if items.interchange else node["items"]
    return node["properties"][field.interchange]


@pytest.mark.parametrize("entry", FIELDS, ids=name)
def test_the_schema_allows_the_shapes_limits_and_choices(entry, app):
    part, items, field = entry
    with app.app_context():
        node = schema_of(schema(), part, items, field)
        profile = characteristics()
    if field.kind == TEXT:
        assert node["maxLength"] == field.limit
        assert node.get("minLength", 0) == (1 if field.required else 0)
    elif field.kind == CHOICE:
        assert node["enum"] == [*field.choices] + ([] if field.required else [None])
    elif field.kind == ACTIVITY_KIND:
        assert node["enum"] == [*profile.activity_kinds, None]
    elif field.kind == OUTCOME_SET:
        assert node["items"]["enum"] == [*field.choices] and node["maxItems"] == len(field.choices)
    elif field.kind == DATE:
        assert node["format"] == "date"
    elif field.kind == ACCOUNT:
        assert node["type"] == ["string", "null"] and field.optional
    elif field.kind in (SCALE, GROUP):
        assert "pattern" in node and (field.kind == GROUP and field.required) == ("null" not in node["type"])


def form_fields(app, world) -> dict[tuple[str, str | None, str], object]:
    """Each shape field's form field, found on the page that edits it."""
    from eqia.forms.actions import ActionForm, ActionPlanPageForm
    from eqia.forms.consultation import ConsultationItemForm, ConsultationPageForm
    from eqia.forms.evidence import EvidenceItemForm
    from eqia.forms.impact import build_impact_form
    from eqia.forms.outcome import IntersectionalForm, OutcomeForm
    from eqia.forms.register_details import RegisterDetailsForm
    from eqia.forms.screening import build_screening_form

    a = world.make_assessment()
    profile = characteristics()
    row = a.screening_answers[0]
    forms = {
        ("register_details", None): RegisterDetailsForm(meta={"csrf": False}),
        ("screening", None): build_screening_form(profile, [row], meta={"csrf": False}),
        ("evidence", "evidence_items"): EvidenceItemForm(meta={"csrf": False}),
        ("consultation", "consultations"): ConsultationItemForm(meta={"csrf": False}),
        ("consultation", None): ConsultationPageForm(meta={"csrf": False}),
        ("characteristics", "impacts"): build_impact_form(profile, "Age", ("a",), [], meta={"csrf": False}),
        ("intersectional", None): IntersectionalForm(meta={"csrf": False}),
        ("outcome", None): OutcomeForm(meta={"csrf": False}),
        ("action_plan", "actions"): ActionForm(meta={"csrf": False}),
        ("action_plan", None): ActionPlanPageForm(meta={"csrf": False}),
    }
    # The screening page asks each group's question by the group's key; its own fields by their document names.
    found = {}
    for part, items, field in FIELDS:
        form = forms[(part.key, items.collection if items else None)] if (part.key, items.collection if items
                                                                          else None) in forms else None
        if part.key == "screening" and items is not None:
            form = forms[("screening", None)]
        wanted = f"{field.page}{row.characteristic_key}" if field.page and field.page.endswith("_") else field.page
        if form is not None and wanted in form._fields:
            found[(part.key, items.collection if items else None, field.key)] = form[wanted]
    return found


def test_the_forms_allow_the_shapes_limits_and_choices(world, app, subtests):
    with app.test_request_context():
        found = form_fields(app, world)
        for entry in FIELDS:
            part, items, field = entry
            key = (part.key, items.collection if items else None, field.key)
            with subtests.test(field=name(entry)):
                if not field.edited:
                    continue  # no page asks it
                assert key in found, "no page's form has this field"
                form_field = found[key]
                limits = [v.max for v in form_field.validators if isinstance(v, Length)]
                if field.kind == TEXT:
                    assert limits == [field.limit]
                if field.kind in (CHOICE, OUTCOME_SET):
                    assert [k for k, _ in form_field.choices] == list(field.choices)


# ------------------------------------------------------------ the freeze guard

def test_no_field_of_a_signed_version_can_be_changed(world, subtests):
    from eqia.services.freeze import Frozen

    signed = world.make_assessment("signed_off")
    for n, entry in enumerate(FIELDS):
        part, items, field = entry
        with subtests.test(field=name(entry)):
            a = fresh(signed.id)
            row = row_of(a, items)
            if field.kind == AIMS:
                row.set_aims({"a": not row.aim("a")})
            elif field.kind == CITATIONS:
                row.evidence = []
            elif field.kind == OUTCOME_SET:
                a.outcomes.append(AssessmentOutcome(outcome="stop"))
            elif field.kind in (DIRECTORATE, GROUP):
                setattr(row, field.key, world.other_directorate.id if field.kind == DIRECTORATE else "other")
            else:
                value = sample(a, part, field, n)
                setattr(row, field.key, value if value != getattr(row, field.key) else None)
            with pytest.raises(Frozen):
                db.session.flush()
            db.session.rollback()
