"""Every form, given empty, huge, malformed or hostile input, gives a helpful
error or stores the text verbatim and shows it escaped: never a 500, never a
half-saved record (the rule in the guide, tested page by page, field by field).

Each test takes one field of one page through every hostile value in turn, on
one assessment, building the rest of the form from what is saved now. A post
that should be refused also carries a good change to another field, and the
assessment, every row that belongs to it and the audit trail must be exactly as
they were afterwards, with both answers still in the form; a saved one must
store the text as typed and show it escaped wherever it is read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from markupsafe import escape

from eqia.extensions import db
from eqia.forms.base import NUL_CHARACTER
from eqia.forms.completion import COMPLETION_MISSING
from eqia.forms.fields import date_missing_parts, date_not_real
from eqia.assessments.shape import LONG, SHORT
from eqia.forms.fields import too_long
from eqia.models import Assessment
from eqia.loaded_definitions import characteristics
from eqia.services.assessments import ACTIVITY_KIND_UNKNOWN, UNKNOWN_DIRECTORATE
from eqia.services.content import CITED_NOT_FOUND, OUTCOME_UNKNOWN
from eqia.assessments import sections
from tests.conftest import audit_count
from tests.test_assessment_pages import HOSTILE, errors_on

SCRIPT = HOSTILE[0]
NUL = "before\x00after"
MULTILINE = "Line one\r\n<b>Line two</b> & \"three\"\r\n\r\n<img src=x onerror=alert(1)>"
TEXTS = [*HOSTILE, NUL, MULTILINE]
# Blank answers come last: a blank that is rightly saved can leave a gap in the
# assessment that the pages read back for a later value would trip over too.
BLANKS = ["", "   "]
URDU = "مساوات کے اثرات کا جائزہ "
ALONGSIDE = "A good answer sent with a bad one"

# Links that are real web links, however hostile the rest of them: they may be
# stored, and must then be escaped, inside the href too.
WEB_LINKS = [
    "https://example.test/?q=<script>alert('x')</script>",
    'https://example.test/"onmouseover="alert(1)',
]
NOT_WEB_LINKS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
                 "//evil.example/x", "https:///no-host"]


def at_limit(limit: int) -> str:
    """Urdu text exactly as long as the field allows: two bytes a letter in
    UTF-8, six once a browser has percent-encoded it into the form. It ends in
    a letter: pages trim trailing spaces when they lay text out."""
    return (URDU * (limit // len(URDU) + 1))[:limit - 1] + "ہ"


def label(value: str) -> str:
    return f"{value[:24]!r}... ({len(value):,} characters)" if len(value) > 24 else repr(value)


def current(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def parts(value: date | None) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)] if value else ["", "", ""]


def snapshot(assessment_id: int) -> dict[str, list[tuple]]:
    """Every stored row that belongs to the assessment, the assessment itself
    included (its lock version and updated_at too)."""
    tables = db.metadata.tables
    rows = {}
    for name, table in sorted(tables.items()):
        key = table.c.id if name == "assessment" else table.c.get("assessment_id")
        if key is None:
            continue
        query = sa.select(table).where(key == assessment_id).order_by(*table.primary_key.columns)
        rows[name] = [tuple(r) for r in db.session.execute(query)]
    links, impacts = tables["impact_evidence"], tables["characteristic_impact"]
    its_impacts = sa.select(impacts.c.id).where(impacts.c.assessment_id == assessment_id)
    rows["impact_evidence"] = [tuple(r) for r in db.session.execute(
        sa.select(links).where(links.c.impact_id.in_(its_impacts))
        .order_by(links.c.impact_id, links.c.evidence_id))]
    return rows


def plain(text: str) -> bool:
    """Text a page cannot get wrong by forgetting to escape it."""
    return str(escape(text)) == text


def assert_nothing_runs(html: str) -> BeautifulSoup:
    """Read as a browser would: nothing typed became a script, an event handler
    or a javascript: link."""
    page = BeautifulSoup(html, "html.parser")
    assert not [s for s in page.find_all("script") if "alert" in s.get_text()]
    assert not [(tag.name, name) for tag in page.find_all(True) for name in tag.attrs
                if name.lower().startswith("on")]
    assert not [a for a in page.find_all("a", href=True)
                if a["href"].strip().lower().startswith("javascript:")]
    return page


def assert_shown_escaped(html: str, text: str, parse: bool = False) -> None:
    """Each line of the text is on the page escaped (the pages show line breaks
    as <br>), and any line that escaping changes is nowhere on it raw."""
    for line in text.splitlines():
        if line.strip():
            assert str(escape(line)) in html, f"{label(line)} is not on the page, escaped"
            assert plain(line) or line not in html, f"{label(line)} is on the page unescaped"
    if parse and not plain(text):
        assert_nothing_runs(html)


def assert_refused(response, assessment_id: int, before: dict, audits: int, errors: list[str] | None,
                   kept: tuple[str, ...] = ()) -> None:
    """The page again with the error summary saying `errors` (anything, for
    None), nothing of the post stored and every answer in `kept` still there."""
    assert response.status_code == 200, response.status_code
    html = response.data.decode()
    page = assert_nothing_runs(html)
    found = [li.get_text(strip=True) for li in page.select(".govuk-error-summary__list li")]
    if errors is None:
        assert found, "no error summary"
    else:
        assert found == errors
    assert snapshot(assessment_id) == before, "part of a refused post was stored"
    assert audit_count() == audits
    for answer in kept:
        assert_shown_escaped(html, answer)


# ------------------------------------------------------------------ the pages

@dataclass(frozen=True)
class Page:
    name: str
    state: str  # the state the assessment is in while the page is edited
    path: Callable[[Assessment], str]  # after /assessments/<id>/
    base: Callable[[Assessment], dict]  # the page's form as it would be posted now, unchanged
    # Good changes to send with a bad answer: if any of them were saved, the
    # post was half-saved. (Section pages also say "not completed yet", and the
    # conftest's assessments have every section completed: that too must stay.)
    alongside: tuple[str, ...] = ()
    collection: str | None = None  # list sections: the items the page adds or changes
    adds: bool = False
    shows: Callable[[Assessment, object], str] | None = None  # a saved item's own page, if not `path`

    def url(self, assessment: Assessment) -> str:
        return f"/assessments/{assessment.id}/{self.path(assessment)}"

    def target(self, assessment: Assessment, before_ids: set[int]):
        """The item the page wrote to, on list sections."""
        items = getattr(assessment, self.collection)
        if self.adds:
            added = [i for i in items if i.id not in before_ids]
            assert len(added) == 1, f"expected one new item, found {len(added)}"
            return added[0]
        return items[0]

    def shown_on(self, assessment: Assessment, target) -> list[str]:
        """The page itself (an item's own page), then "check your answers"."""
        own = self.path(assessment) if self.shows is None else self.shows(assessment, target)
        return [f"/assessments/{assessment.id}/{own}", f"/assessments/{assessment.id}/check"]

    def change_alongside(self, field: str) -> dict[str, str]:
        other = next((name for name in self.alongside if name != field), None)
        return {other: ALONGSIDE} if other else {}


def details_base(a: Assessment) -> dict:
    return {"title": a.title, "directorate_id": str(a.directorate_id), "service": a.service,
            "lead_officer": a.lead_officer, "activity_kind": a.activity_kind or "", "aims": a.aims,
            "people_affected": a.people_affected, "decision_maker": a.decision_maker,
            "decision_forum": a.decision_forum, "due_regard_started_on": parts(a.due_regard_started_on),
            "planned_decision_date": parts(a.planned_decision_date), "parent_programme": a.parent_programme,
            "completed": "no", "lock_version": str(a.lock_version)}


def screening_base(a: Assessment) -> dict:
    data = {"relevance": a.screening_relevance or "", "proposal": a.screening_proposal or "",
            "conclusion": a.screening_conclusion, "completed": "no", "lock_version": str(a.lock_version)}
    for row in a.screening_answers:
        data[f"answer_{row.characteristic_key}"] = row.affects or ""
        data[f"reason_{row.characteristic_key}"] = row.reason
        if row.advances_equality:
            data[f"advances_{row.characteristic_key}"] = row.advances_equality
    return data


def evidence_base(a: Assessment, item=None) -> dict:
    if item is None:
        return {"kind": "research", "source": "Census 2021", "dated": ["21", "3", "2021"],
                "summary": "Population by age", "link": "https://example.test/census",
                "lock_version": str(a.lock_version)}
    return {"kind": item.kind, "source": item.source, "dated": parts(item.dated), "summary": item.summary,
            "link": item.link, "lock_version": str(a.lock_version)}


def consultation_base(a: Assessment, item=None) -> dict:
    if item is None:
        return {"who": "Older residents' forum", "held_from": ["2", "2", "2026"], "held_to": ["", "", ""],
                "method": "Meeting", "what_they_said": "Keep Saturdays", "how_it_changed": "Saturdays kept",
                "lock_version": str(a.lock_version)}
    return {"who": item.who, "held_from": parts(item.held_from), "held_to": parts(item.held_to),
            "method": item.method, "what_they_said": item.what_they_said,
            "how_it_changed": item.how_it_changed, "lock_version": str(a.lock_version)}


def action_base(a: Assessment, item=None) -> dict:
    if item is None:
        return {"description": "Count visits by disability", "owner": "Sam Lee",
                "due_date": ["1", "12", "2030"], "success_measure": "A report each quarter",
                "status": "in_progress", "lock_version": str(a.lock_version)}
    return {"description": item.description, "owner": item.owner, "due_date": parts(item.due_date),
            "success_measure": item.success_measure, "status": item.status,
            "lock_version": str(a.lock_version)}


AIMS = (("a", "aim_eliminate_discrimination"), ("b", "aim_advance_equality"),
        ("c", "aim_foster_good_relations"))


def impact_base(key: str) -> Callable[[Assessment], dict]:
    def base(a: Assessment) -> dict:
        row = a.impact_for(key)
        data = {"impact": row.impact or "", "evidence_narrative": row.evidence_narrative,
                "no_evidence_reason": row.no_evidence_reason, "mitigation": row.mitigation,
                "aims_relevant": [aim for aim, column in AIMS if getattr(row, column)],
                "evidence": [str(e.id) for e in row.evidence], "completed": "no",
                "lock_version": str(a.lock_version)}
        if row.severity:
            data["severity"] = row.severity
        return data
    return base


def section_base(*columns: str) -> Callable[[Assessment], dict]:
    return lambda a: {**{c: getattr(a, c) for c in columns}, "completed": "no",
                      "lock_version": str(a.lock_version)}


def first_item(collection: str, page: str) -> Callable[[Assessment], str]:
    return lambda a: f"{page}/{getattr(a, collection)[0].id}"


DETAILS = Page("details", "screening", lambda a: "details", details_base, alongside=("aims", "service"))
SCREENING = Page("screening", "screening", lambda a: "screening", screening_base,
                 alongside=("conclusion", "reason_age"))
EVIDENCE_ADD = Page("evidence-add", "full_assessment", lambda a: "evidence/add", evidence_base,
                    alongside=("summary", "source"), collection="evidence_items", adds=True,
                    shows=lambda a, item: f"evidence/{item.id}")
EVIDENCE_CHANGE = Page("evidence-change", "full_assessment", first_item("evidence_items", "evidence"),
                       lambda a: evidence_base(a, a.evidence_items[0]), alongside=("summary", "source"),
                       collection="evidence_items")
CONSULTATION_ADD = Page("consultation-add", "full_assessment", lambda a: "consultation/add",
                        consultation_base, alongside=("what_they_said", "who"), collection="consultations",
                        adds=True, shows=lambda a, item: f"consultation/{item.id}")
CONSULTATION_CHANGE = Page("consultation-change", "full_assessment",
                           first_item("consultations", "consultation"),
                           lambda a: consultation_base(a, a.consultations[0]),
                           alongside=("what_they_said", "who"), collection="consultations")
CONSULTATION_PAGE = Page("consultation", "full_assessment", lambda a: "consultation",
                         section_base("no_consultation_reason"))
GROUP = Page("group-age", "full_assessment", lambda a: "groups/age", impact_base("age"),
             alongside=("mitigation", "evidence_narrative"))
MARRIAGE = Page("group-marriage", "full_assessment", lambda a: "groups/marriage_civil_partnership",
                impact_base("marriage_civil_partnership"), alongside=("mitigation",))
INTERSECTIONAL = Page("intersectional", "full_assessment", lambda a: "intersectional",
                      section_base("intersectional_effects"), alongside=("intersectional_effects",))
OUTCOME = Page("outcome", "full_assessment", lambda a: "outcome",
               lambda a: {**section_base("outcome_justification")(a),
                          "outcomes": [o.outcome for o in a.outcomes]},
               alongside=("outcome_justification",))
ACTION_ADD = Page("action-add", "full_assessment", lambda a: "action/add", action_base,
                  alongside=("success_measure", "description"), collection="actions", adds=True,
                  shows=lambda a, item: f"action/{item.id}")
ACTION_CHANGE = Page("action-change", "full_assessment", first_item("actions", "action"),
                     lambda a: action_base(a, a.actions[0]), alongside=("success_measure", "description"),
                     collection="actions")
ACTION_PLAN = Page("action-plan", "full_assessment", lambda a: "action-plan",
                   lambda a: {"review_date": parts(a.review_date), "completed": "no",
                              "lock_version": str(a.lock_version)})


def prepare(world, page: Page) -> int:
    """An assessment in the state the page is edited in: screening, or a full
    assessment with every section filled in and completed."""
    assessment = world.make_assessment()
    if page.state != assessment.state:
        world.drive(assessment, page.state)
    return assessment.id


# ------------------------------------------------------------- text fields

@dataclass(frozen=True)
class TextField:
    page: Page
    name: str
    limit: int
    label: str  # as the "must be N characters or fewer" message names it
    blank: str | None = None  # the message for an empty or whitespace-only answer, where one is required
    empty: str | None = None  # the message for an empty answer only
    stored_as: Callable[[str], str] = lambda text: text
    extra: tuple[str, ...] = ()
    refused: Callable[[str], str | None] = lambda text: None  # a page's own refusals
    also_on: tuple[str, ...] = ()  # other pages that show it; "{id}" is the assessment's id

    @property
    def id(self) -> str:
        return f"{self.page.name}:{self.name}"

    def values(self) -> list[str]:
        return [*TEXTS, *self.extra, at_limit(self.limit), "y" * (self.limit + 1), *BLANKS]

    def expected_error(self, text: str) -> str | None:
        if "\x00" in text:
            return NUL_CHARACTER
        if len(text) > self.limit:
            return too_long(self.label, self.limit)
        if self.empty and text == "":
            return self.empty
        if self.blank and not text.strip():
            return self.blank
        return self.refused(text)

    def stored(self, assessment: Assessment, before_ids: set[int]) -> str:
        if self.name.startswith("reason_"):
            key = self.name.removeprefix("reason_")
            return next(r.reason for r in assessment.screening_answers if r.characteristic_key == key)
        if self.name == "conclusion":
            return assessment.screening_conclusion
        if self.page is GROUP:
            return getattr(assessment.impact_for("age"), self.name)
        if self.page.collection:
            return getattr(self.page.target(assessment, before_ids), self.name)
        return getattr(assessment, self.name)


def link_refused(text: str) -> str | None:
    return None if text.strip() in ("", *WEB_LINKS) else sections.LINK_NOT_WEB


def item_fields(page: Page) -> list[TextField]:
    if page.collection == "evidence_items":
        return [TextField(page, "source", SHORT, "Source", blank=sections.EVIDENCE_SOURCE_MISSING,
                          # a group's page names the evidence it can cite by its source
                          also_on=("/assessments/{id}/evidence", "/assessments/{id}/groups/age")),
                TextField(page, "summary", LONG, "Summary", blank=sections.EVIDENCE_SUMMARY_MISSING),
                # The link alone is trimmed (forms/evidence.py): a pasted link often ends in a space.
                TextField(page, "link", SHORT, "Link", stored_as=str.strip,
                          extra=(*WEB_LINKS, *NOT_WEB_LINKS), refused=link_refused)]
    if page.collection == "consultations":
        return [TextField(page, "who", LONG, "Who", blank=sections.CONSULTATION_WHO_MISSING,
                          also_on=("/assessments/{id}/consultation",)),
                TextField(page, "method", SHORT, "How", blank=sections.CONSULTATION_METHOD_MISSING),
                TextField(page, "what_they_said", LONG, "What they said",
                          blank=sections.CONSULTATION_SAID_MISSING),
                TextField(page, "how_it_changed", LONG, "How it changed",
                          blank=sections.CONSULTATION_CHANGE_MISSING)]
    return [TextField(page, "description", LONG, "Action", blank=sections.ACTION_DESCRIPTION_MISSING,
                      also_on=("/assessments/{id}/action-plan",)),
            TextField(page, "owner", SHORT, "Owner"),
            TextField(page, "success_measure", LONG, "Success measure")]


CHARACTERISTIC_KEYS = ["age", "disability", "gender_reassignment", "marriage_civil_partnership",
                       "pregnancy_maternity", "race", "religion_belief", "sex", "sexual_orientation",
                       "carers", "socio_economic", "care_experienced", "armed_forces"]

TEXT_FIELDS = [
    TextField(DETAILS, "title", SHORT, "Title", empty="Enter the title of the activity being assessed",
              also_on=("/assessments/{id}", "/assessments/{id}/tasks", "/assessments", "/my-work")),
    TextField(DETAILS, "service", SHORT, "Service"),
    TextField(DETAILS, "lead_officer", SHORT, "Lead officer", also_on=("/assessments/{id}",)),
    TextField(DETAILS, "aims", LONG, "Aims"),
    TextField(DETAILS, "people_affected", LONG, "Who is affected"),
    TextField(DETAILS, "decision_maker", SHORT, "Decision-maker", also_on=("/assessments/{id}",)),
    TextField(DETAILS, "decision_forum", SHORT, "Where the decision will be made", also_on=("/assessments/{id}",)),
    # A new programme's name is trimmed (forms/register_details.py) so it matches the existing one it names.
    TextField(DETAILS, "parent_programme", SHORT, "Parent programme", stored_as=str.strip),
    # One group asked about advancing equality and one not (section 149(7));
    # every group's reason at once in its own test below.
    TextField(SCREENING, "reason_age", LONG, "Reason about Age"),
    TextField(SCREENING, "reason_marriage_civil_partnership", LONG, "Reason about Marriage and civil partnership"),
    TextField(SCREENING, "conclusion", LONG, "Conclusion"),
    *(f for page in (EVIDENCE_ADD, EVIDENCE_CHANGE, CONSULTATION_ADD, CONSULTATION_CHANGE, ACTION_ADD,
                     ACTION_CHANGE) for f in item_fields(page)),
    TextField(CONSULTATION_PAGE, "no_consultation_reason", LONG, "Reason"),
    TextField(GROUP, "evidence_narrative", LONG, "Reasons"),
    TextField(GROUP, "no_evidence_reason", LONG, "Reason"),
    TextField(GROUP, "mitigation", LONG, "Mitigation"),
    TextField(INTERSECTIONAL, "intersectional_effects", LONG, "Intersectional and cumulative effects"),
    TextField(OUTCOME, "outcome_justification", LONG, "Justification"),
]


def test_every_text_field_of_the_pages_is_covered(app):
    """Checked against the forms, so that a text field added later is not left
    out of these tests unnoticed."""
    from wtforms import StringField, TextAreaField

    from eqia.forms.actions import ActionForm
    from eqia.forms.consultation import ConsultationItemForm, ConsultationPageForm
    from eqia.forms.evidence import EvidenceItemForm
    from eqia.forms.impact import build_impact_form
    from eqia.forms.outcome import IntersectionalForm, OutcomeForm
    from eqia.forms.register_details import RegisterDetailsEditForm
    from eqia.forms.screening import build_screening_form

    chars = characteristics()
    assert [c.key for c in chars.characteristics] == CHARACTERISTIC_KEYS
    rows = [type("Row", (), {"characteristic_key": c.key, "characteristic_label": c.name})
            for c in chars.characteristics]
    covered = {(f.page, f.name) for f in TEXT_FIELDS}
    with app.test_request_context(method="POST"):
        forms = {DETAILS: RegisterDetailsEditForm(), SCREENING: build_screening_form(chars, rows),
                 EVIDENCE_ADD: EvidenceItemForm(), CONSULTATION_ADD: ConsultationItemForm(),
                 CONSULTATION_PAGE: ConsultationPageForm(),
                 GROUP: build_impact_form(chars, "Age", ("a",), []),
                 INTERSECTIONAL: IntersectionalForm(), OUTCOME: OutcomeForm(), ACTION_ADD: ActionForm()}
        for page, form in forms.items():
            missing = {f.name for f in form if isinstance(f, (StringField, TextAreaField))
                       and (page, f.name) not in covered}
            if page is SCREENING:  # every group's reason: the all-at-once test
                missing -= {f"reason_{key}" for key in CHARACTERISTIC_KEYS}
            assert not missing, f"{page.name}: {missing}"
    for add, change in ((EVIDENCE_ADD, EVIDENCE_CHANGE), (CONSULTATION_ADD, CONSULTATION_CHANGE),
                        (ACTION_ADD, ACTION_CHANGE)):
        assert {f.name for f in TEXT_FIELDS if f.page is add} == \
            {f.name for f in TEXT_FIELDS if f.page is change}


@pytest.mark.parametrize("case", TEXT_FIELDS, ids=lambda case: case.id)
def test_hostile_text_is_refused_clearly_or_stored_verbatim_and_shown_escaped(client, auth, world, subtests,
                                                                               case):
    assessment_id = prepare(world, case.page)
    auth.sign_in(world.author)
    page = case.page
    for text in case.values():
        with subtests.test(text=label(text)):
            expected_error = case.expected_error(text)
            now = current(assessment_id)
            before_ids = {i.id for i in getattr(now, page.collection)} if page.collection else set()
            lock, audits = now.lock_version, audit_count()
            data = {**page.base(now), case.name: text}
            if expected_error:
                before = snapshot(assessment_id)
                data.update(page.change_alongside(case.name))
            response = client.post(page.url(now), data=data)
            assert response.status_code in (200, 302), f"{response.status_code} for {label(text)}"
            if expected_error:
                # Both answers are still in the form, to put right.
                assert_refused(response, assessment_id, before, audits, [expected_error],
                               kept=(text, *page.change_alongside(case.name).values()))
                continue
            assert response.status_code == 302, errors_on(response)
            now = current(assessment_id)
            stored = case.stored(now, before_ids)
            assert stored == case.stored_as(text)
            # Every change is on the record, once; a post that changes nothing adds nothing.
            assert audit_count() == audits + (now.lock_version != lock)
            target = page.target(now, before_ids) if page.collection else None
            urls = [*page.shown_on(now, target), *(u.format(id=assessment_id) for u in case.also_on)]
            # Every value is read back on the page itself; everywhere else it is shown,
            # the values a page could get wrong: markup, and long non-Latin text.
            everywhere = not plain(stored) or not stored.isascii() and len(stored) >= SHORT
            for url in urls if everywhere else urls[:1]:
                shown = client.get(url)
                assert shown.status_code == 200, url
                # Read as a browser would on "check your answers", the page that shows the most.
                assert_shown_escaped(shown.data.decode(), stored, parse=url.endswith("/check"))


def test_every_groups_screening_reason_takes_hostile_text_at_once(client, auth, world, subtests):
    assessment_id = prepare(world, SCREENING)
    auth.sign_in(world.author)
    reason = TextField(SCREENING, "reason", LONG, "Reason")
    for text in reason.values():
        with subtests.test(text=label(text)):
            expected_error = reason.expected_error(text)
            now = current(assessment_id)
            before, audits = snapshot(assessment_id), audit_count()
            data = {**SCREENING.base(now), **{f"reason_{key}": text for key in CHARACTERISTIC_KEYS},
                    "conclusion": ALONGSIDE}
            response = client.post(SCREENING.url(now), data=data)
            assert response.status_code in (200, 302), f"{response.status_code} for {label(text)}"
            if expected_error:
                # Each group's reason is named in its own message, so the summary says which is which.
                per_group = [TextField(SCREENING, f"reason_{key}", LONG,
                                       f"Reason about {characteristics().get(key).name}").expected_error(text)
                             for key in CHARACTERISTIC_KEYS]
                assert_refused(response, assessment_id, before, audits, per_group, kept=(ALONGSIDE,))
                continue
            assert response.status_code == 302, errors_on(response)
            now = current(assessment_id)
            assert {row.characteristic_key: row.reason for row in now.screening_answers} == \
                dict.fromkeys(CHARACTERISTIC_KEYS, text)
            for url in SCREENING.shown_on(now, None):
                shown = client.get(url)
                assert shown.status_code == 200, url
                assert_shown_escaped(shown.data.decode(), text, parse=True)


# -------------------------------------- radios, checkboxes, dates, lock version

def aim_label(key: str) -> str:
    return characteristics().aims[key]


def all_aims() -> list[str]:
    return [aim_label(a) for a in "abc"]


OTHER_ASSESSMENTS_EVIDENCE = object()  # stands for the id of evidence on another assessment
ANY_MESSAGE = None

# (field, value posted, the message it should give) for values a page does not
# offer. Radios whose rule has its own words say them, not WTForms' generic ones.
CHOICES: dict[Page, list[tuple[str, object, str | Callable[[], str] | None]]] = {
    DETAILS: [
        # A directorate not in the list, however it is spelt: as tests/test_assessment_pages.py has it.
        ("directorate_id", "99999", UNKNOWN_DIRECTORATE), ("directorate_id", "abc", UNKNOWN_DIRECTORATE),
        ("directorate_id", SCRIPT, UNKNOWN_DIRECTORATE),
        ("activity_kind", "abc", ACTIVITY_KIND_UNKNOWN), ("activity_kind", SCRIPT, ACTIVITY_KIND_UNKNOWN),
        ("activity_kind", "new\x00", ACTIVITY_KIND_UNKNOWN),
        ("completed", "maybe", COMPLETION_MISSING), ("completed", "no\x00", COMPLETION_MISSING),
        ("completed", "", COMPLETION_MISSING),
    ],
    SCREENING: [
        ("answer_age", "abc", sections.screening_answer_missing("Age")),
        ("answer_age", SCRIPT, sections.screening_answer_missing("Age")),
        ("answer_age", "no\x00", sections.screening_answer_missing("Age")),
        ("answer_age", "y" * 100_000, sections.screening_answer_missing("Age")),
        ("advances_age", "abc", sections.advances_missing("Age")),
        ("relevance", "abc", sections.RELEVANCE_MISSING),
        ("relevance", "low\x00", sections.RELEVANCE_MISSING),
        ("proposal", "abc", sections.PROPOSAL_MISSING), ("proposal", SCRIPT, sections.PROPOSAL_MISSING),
    ],
    EVIDENCE_ADD: [
        ("kind", "abc", sections.EVIDENCE_KIND_MISSING), ("kind", SCRIPT, sections.EVIDENCE_KIND_MISSING),
        ("kind", "data\x00", sections.EVIDENCE_KIND_MISSING), ("kind", "", sections.EVIDENCE_KIND_MISSING),
    ],
    EVIDENCE_CHANGE: [("kind", "abc", sections.EVIDENCE_KIND_MISSING)],
    GROUP: [
        ("impact", "abc", sections.impact_missing("Age")), ("impact", SCRIPT, sections.impact_missing("Age")),
        ("impact", "neutral\x00", sections.impact_missing("Age")),
        ("severity", "abc", sections.severity_missing("Age")),
        ("aims_relevant", ["a", "abc"], lambda: sections.aim_not_applicable("Age", all_aims())),
        ("aims_relevant", ["a\x00"], lambda: sections.aim_not_applicable("Age", all_aims())),
        ("evidence", "abc", "Choose evidence from the list"),
        ("evidence", SCRIPT, "Choose evidence from the list"),
        ("evidence", "1\x00", "Choose evidence from the list"),
        ("evidence", "-1", CITED_NOT_FOUND), ("evidence", "99999999999999999999", CITED_NOT_FOUND),
        ("evidence", OTHER_ASSESSMENTS_EVIDENCE, CITED_NOT_FOUND),
    ],
    # Section 149(7): marriage and civil partnership counts for aim (a) only.
    MARRIAGE: [("aims_relevant", ["a", "b"],
                lambda: sections.aim_not_applicable("Marriage and civil partnership", [aim_label("a")]))],
    OUTCOME: [
        ("outcomes", ["no_major_change", "abc"], OUTCOME_UNKNOWN), ("outcomes", SCRIPT, OUTCOME_UNKNOWN),
        ("outcomes", "stop\x00", OUTCOME_UNKNOWN),
    ],
    ACTION_ADD: [
        ("status", "abc", sections.ACTION_STATUS_MISSING), ("status", SCRIPT, sections.ACTION_STATUS_MISSING),
        ("status", "done\x00", sections.ACTION_STATUS_MISSING),
        ("status", "", sections.ACTION_STATUS_MISSING),
    ],
    ACTION_CHANGE: [("status", "abc", sections.ACTION_STATUS_MISSING)],
    INTERSECTIONAL: [("completed", "maybe", COMPLETION_MISSING)],
}

DATES: dict[Page, list[tuple[str, str]]] = {  # (field, the name its messages give it)
    DETAILS: [("planned_decision_date", "Planned decision date")],
    EVIDENCE_ADD: [("dated", "Date of the evidence")],
    EVIDENCE_CHANGE: [("dated", "Date of the evidence")],
    CONSULTATION_ADD: [("held_from", "Start date")],
    CONSULTATION_CHANGE: [("held_to", "End date")],
    ACTION_ADD: [("due_date", "Due date")],
    ACTION_CHANGE: [("due_date", "Due date")],
    ACTION_PLAN: [("review_date", "Review date")],
}


def bad_dates(name: str) -> list[tuple[list[str], str]]:
    return [
        ([SCRIPT, "1", "2030"], date_not_real(name)),
        (["1", "1", "99999999999999999999"], date_not_real(name)),
        (["1\x00", "1", "2030"], date_not_real(name)),
        (["31", "2", "2030"], date_not_real(name)),
        (["-1", "1", "2030"], date_not_real(name)),
        (["x" * 100_000, "1", "2030"], date_not_real(name)),
        (["", "3", "2030"], date_missing_parts(name, ["day"])),
        (["1"], date_missing_parts(name, ["month", "year"])),
    ]


# The hidden lock version, tampered with: whatever the page says, it saves nothing.
LOCK_VERSIONS = ("abc", "", "-1", "99999999999999999999", SCRIPT, "1\x00")
LOCK_PAGES = (DETAILS, INTERSECTIONAL, EVIDENCE_ADD, ACTION_CHANGE)


def malformed(page: Page) -> list[tuple[str, object, str | Callable[[], str] | None]]:
    found = list(CHOICES.get(page, []))
    found += [(name, value, message) for name, named in DATES.get(page, [])
              for value, message in bad_dates(named)]
    if page in LOCK_PAGES:
        found += [("lock_version", value, ANY_MESSAGE) for value in LOCK_VERSIONS]
    return found


MALFORMED_PAGES = [p for p in (DETAILS, SCREENING, EVIDENCE_ADD, EVIDENCE_CHANGE, CONSULTATION_ADD,
                               CONSULTATION_CHANGE, GROUP, MARRIAGE, INTERSECTIONAL, OUTCOME, ACTION_ADD,
                               ACTION_CHANGE, ACTION_PLAN) if malformed(p)]


@pytest.mark.parametrize("page", MALFORMED_PAGES, ids=lambda page: page.name)
def test_a_value_the_page_does_not_offer_or_a_malformed_date_is_refused_and_nothing_is_saved(
        client, auth, world, subtests, page):
    assessment_id = prepare(world, page)
    auth.sign_in(world.author)
    for name, value, message in malformed(page):
        if value is OTHER_ASSESSMENTS_EVIDENCE:
            value = str(current(prepare(world, page)).evidence_items[0].id)
        shown = [label(v) for v in value] if isinstance(value, list) else label(value)
        with subtests.test(field=name, value=shown):
            expected = None if message is ANY_MESSAGE else [message() if callable(message) else message]
            now = current(assessment_id)
            before, audits = snapshot(assessment_id), audit_count()
            alongside = page.change_alongside(name)
            response = client.post(page.url(now), data={**page.base(now), **alongside, name: value})
            assert_refused(response, assessment_id, before, audits, expected, kept=tuple(alongside.values()))
