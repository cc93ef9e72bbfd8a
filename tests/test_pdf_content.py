"""What the PDF and the pages say is what the record holds: an EqIA written
wholly through the API, with a distinct value in every free-text field, is
walked through the workflow and each value is looked for in the PDF's text;
the decision-maker's summary says nothing the record does not."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from eqia.services import content as full
from eqia.services import version_pdfs
from tests.conftest import PASSWORD
from tests.test_api import Api
from tests.test_interchange import _minimal, _read
from tests.test_pdf import fresh, lock, text_of

# Values that are codes, dates or labels the deployment gives: not written by a person.
CODES = {"format", "directorate", "activity_kind", "relevance", "proposal", "characteristic", "label", "affects",
         "advances_equality", "kind", "impact", "severity", "status", "link", "number", "outcomes"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LINK = "https://example.test/marked-evidence-link"


def marked(doc: dict) -> tuple[dict, list[str]]:
    """The document with every free-text value replaced by a value found nowhere else."""
    written: list[str] = []

    def walk(value, key=None):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key not in CODES and not DATE.match(value):
            written.append(f"Marker {len(written) + 1:03d} {key.replace('_', ' ')}")
            return written[-1]
        return value

    out = walk(doc)
    for item in out["evidence"]:
        item["link"] = LINK
    # A high positive impact and a high adverse one, each with its mitigation.
    out["characteristics"][0].update(impact="positive", severity="high")
    out["characteristics"][1].update(impact="negative", severity="high")
    out["outcome"]["outcomes"] = ["adjust"]
    # A second action, tied to the adverse group.
    second = dict(out["action_plan"]["items"][0], characteristic=out["characteristics"][1]["characteristic"])
    for field in ("description", "owner", "success_measure"):
        written.append(f"Marker {len(written) + 1:03d} second action {field}")
        second[field] = written[-1]
    out["action_plan"]["items"].append(second)
    return out, written + [LINK]


def missing_from(pdf: bytes, values: list[str]) -> list[str]:
    text = text_of(pdf)
    joined = text.replace("- ", "-").replace(" ", "")  # a long link wraps inside its cell
    return [v for v in values if v not in text and not (v.startswith("https://") and v in joined)]


def test_every_field_written_through_the_api_is_in_the_pdf_in_every_state(world, client):
    author, lead, lead2, decider = (Api(client).as_user(u) for u in (world.author, world.lead, world.lead2,
                                                                        world.decider))
    doc, written = marked(_minimal(world))
    in_document = list(written)

    created = author.post("/assessments", json=doc)
    assert created.status_code == 201, created.data
    a_id = created.get_json()["id"]
    seen: dict[str, list[str]] = {}

    def check(state: str) -> None:
        current, _ = _read(author, a_id)
        assert current["state"] == state
        response = author.get(f"/assessments/{a_id}/pdf")
        assert response.status_code == 200
        seen[state] = missing_from(response.data, written)

    def act(caller, trigger, comment, after_signing=False, **body):
        if not after_signing:  # the PDF stored at sign-off is served as it was signed
            written.append(comment)
        response = caller.post(f"/assessments/{a_id}/actions/{trigger}", json={"comment": comment, **body})
        assert response.status_code == 200, (trigger, response.data)

    def mark_complete(keys):
        current, etag = _read(author, a_id)
        current["completions"] = [{"section": k, "completed_by": {"email": "", "name": ""},
                                   "completed_at": "2000-01-01T00:00:00.000000Z"} for k in keys]
        response = author.put(f"/assessments/{a_id}", json=current, headers={"If-Match": etag})
        assert response.status_code == 200, response.data

    check("screening")
    mark_complete(["register_details", "screening"])
    act(author, "start_full_assessment", "Marker start comment")
    check("full_assessment")
    mark_complete(["register_details", "screening", "evidence", "consultation", "intersectional", "outcome",
                   "action_plan", *(f"characteristic:{c['characteristic']}" for c in doc["characteristics"])])
    act(author, "submit_for_challenge", "Marker submission comment")
    check("challenge")
    written.append("Marker lead point on the evidence")
    assert lead.post(f"/assessments/{a_id}/challenge-points", json={"points": {
        "evidence": {"status": "to_correct", "comment": written[-1]}}}).status_code == 200
    act(lead, "return_to_author", "Marker overall comment on return")
    current, _ = _read(author, a_id)
    written += ["Marker answer to the evidence point", "Marker answer to the overall comment"]
    assert author.post(f"/assessments/{a_id}/challenge-answers", json={
        "lock_version": current["lock_version"], "answers": {
            "evidence": {"response": "not_accepted", "text": written[-2]},
            "overall": {"response": "accepted", "text": written[-1]}}}).status_code == 200
    act(author, "submit_for_challenge", "Marker second submission")
    act(lead2, "approve", "Marker approval comment")
    check("awaiting_sign_off")
    act(decider, "sign_off", "Marker signature comment", attested=True, password=PASSWORD)
    check("signed_off")
    act(lead2, "publish", "Marker publication comment", after_signing=True)
    check("published")

    # The screen-out path: the same content with no evidence listed, every group answered "no".
    written[:] = [w for w in in_document if not re.search(r"Marker \d+ (source|summary)$", w) and w != LINK]
    screen_out = dict(doc, evidence=[], characteristics=[dict(c, evidence_cited=[]) for c in doc["characteristics"]],
                      screening=dict(doc["screening"], proposal="screen_out", answers=[
                          dict(a, affects="no", advances_equality=None if a["advances_equality"] is None else "no")
                          for a in doc["screening"]["answers"]]))
    created = author.post("/assessments", json=screen_out)
    assert created.status_code == 201, created.data
    a_id = created.get_json()["id"]
    seen["screening"] += [f"(no evidence) {m}" for m in missing_from(author.get(f"/assessments/{a_id}/pdf").data,
                                                                      written)]
    mark_complete(["register_details", "screening"])
    act(author, "propose_screen_out", "Marker proposal comment")
    check("screen_out_proposed")
    act(lead, "agree_screen_out", "Marker agreement comment")
    check("screened_out")

    assert seen == {state: [] for state in seen}, {state: v for state, v in seen.items() if v}


def test_the_markers_cover_every_free_text_field_of_the_document(world):
    """The walk above finds each text field the interchange document carries (so a new one is not forgotten)."""
    doc, written = marked(_minimal(world))
    keys = {w.split(" ", 2)[2] for w in written if w.startswith("Marker ")}
    for expected in ("title", "aims", "service", "lead officer", "people affected", "decision maker",
                     "decision forum", "parent programme", "reason", "advances reason", "conclusion", "source",
                     "summary", "who", "method", "what they said", "how it changed", "no consultation reason",
                     "evidence narrative", "no evidence reason", "mitigation", "intersectional effects",
                     "justification", "description", "owner", "success measure"):
        assert expected in keys, expected


# ------------------------------------------------------------------ the decision-maker's summary says what is so

def summary_texts(assessment_id: int) -> tuple[str, str]:
    """The summary as the pages show it (the sign-off page's macro) and the PDF's text."""
    from flask import render_template_string

    from eqia.services.summary import sign_off_summary
    a = fresh(assessment_id)
    page = render_template_string('{% from "assessments/_summary.html" import decision_summary with context %}'
                                  "{{ decision_summary(a, s) }}", a=a, s=sign_off_summary(a))
    words = " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())
    return re.sub(r" ([.,:)])", r"\1", words), text_of(version_pdfs.pdf_for(a).data)


def test_with_no_group_analysed_the_summary_says_so_rather_than_no_adverse_impact(world, app):
    a = world.make_assessment(answer="yes")  # screening: no group analysed yet
    with app.test_request_context():
        page, pdf = summary_texts(a.id)
    for text in (page, pdf):
        assert "finds no adverse impact" not in text
        assert "No group has been analysed yet" in text
        assert "Not yet analysed: Age, Disability," in text


def test_a_justification_is_labelled_by_the_outcome_it_justifies(world, app):
    a = world.write_full_assessment(world.make_assessment("full_assessment", answer="yes"))
    full.update_impact(a.id, world.author, lock(a.id), "age", full.ImpactInput(
        impact=None, severity=None, aims=frozenset(), evidence_narrative="", cited_evidence_ids=frozenset(),
        no_evidence_reason="", mitigation=""), False)
    full.update_outcome(a.id, world.author, lock(a.id), ["adjust"], "Opening hours move to the evenings", True)
    with app.test_request_context():
        page, pdf = summary_texts(a.id)
    for text in (page, pdf):
        assert "despite adverse impact:" not in text
        assert "Justification for the outcome (Adjust the activity): Opening hours move to the evenings" in text
        assert "The assessment finds no adverse impact on any group it has analysed." in text
        assert "Not yet analysed: Age." in text
    full.update_outcome(a.id, world.author, lock(a.id), ["continue"], "The saving is needed", True)
    with app.test_request_context():
        page, pdf = summary_texts(a.id)
    for text in (page, pdf):
        assert "Justification for continuing despite adverse impact: The saving is needed" in text


# ------------------------------------------------------------------ times: in order, and readable

ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def test_one_readable_uk_time_with_its_zone():
    from datetime import datetime, timezone

    from eqia.templating import govuk_datetime
    assert govuk_datetime(datetime(2026, 12, 6, 2, 14, 7, tzinfo=timezone.utc)) == "6 December 2026, 2:14am GMT"
    assert govuk_datetime(datetime(2026, 7, 1, 12, 5, tzinfo=timezone.utc)) == "1 July 2026, 1:05pm BST"
    assert govuk_datetime(datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)) == "29 March 2026, 12:30am GMT"
    assert govuk_datetime(datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)) == "29 March 2026, 2:30am BST"


def test_the_timeline_is_in_the_order_things_happened_and_times_read_as_uk_times(world, client, auth):
    from eqia.services.pdf_document import timeline
    from eqia.services.audit import trail
    from eqia.templating import govuk_datetime

    a = world.make_assessment("awaiting_sign_off", answer="yes")
    world.take(a, "return_for_more_work")
    a = fresh(a.id)
    labels = [s.label for s in timeline(a, trail(a))]
    # All on one day: the order of the steps, not of insertion.
    assert labels.index("Challenge round 1 opened") < labels.index("Challenge round 1: approve for sign-off") \
        < labels.index("Return for more work") < labels.index("Planned decision date"), labels
    assert labels[0] == "Due regard started"

    world.drive(a, "signed_off")
    a = fresh(a.id)
    text = text_of(version_pdfs.pdf_for(a).data)
    assert not ISO_INSTANT.search(text), ISO_INSTANT.search(text)
    assert " UTC" not in text
    assert govuk_datetime(a.sign_offs[0].signed_at) in text
    assert govuk_datetime(a.challenge_rounds[0].opened_at) in text

    auth.sign_in(world.lead)
    page = BeautifulSoup(client.get(f"/assessments/{a.id}").data, "html.parser").get_text(" ")
    assert not ISO_INSTANT.search(page), ISO_INSTANT.search(page)
    assert govuk_datetime(a.sign_offs[0].signed_at) in " ".join(page.split())


# ------------------------------------------------------------------ evidence is cited by what it is

def test_evidence_is_cited_by_its_source_and_date_in_the_pdf_and_on_the_pages(world, client, auth):
    from eqia.templating import govuk_date

    a = world.write_full_assessment(world.make_assessment("full_assessment", answer="yes"))
    item = a.evidence_items[0]
    cited = f"{item.source}, {govuk_date(item.dated)}"
    text = text_of(version_pdfs.pdf_for(a).data)
    assert "Evidence cited Evidence 1" not in text
    assert text.count(f"Evidence cited {cited}") == len(a.impacts)
    auth.sign_in(world.author)
    soup = BeautifulSoup(client.get(f"/assessments/{a.id}/check").data, "html.parser")
    rows = [row.dd.get_text(" ", strip=True) for row in soup.select(".govuk-summary-list__row")
            if row.dt.get_text(strip=True) == "Evidence cited"]
    assert rows and rows == [cited] * len(a.impacts), rows


# ------------------------------------------------------------------ a settled screen-out is final, and may be published

def test_an_agreed_screen_out_is_final_rendered_once_and_kept(app, world, client, auth):
    import sqlalchemy as sa

    from eqia.extensions import db
    from eqia.models import AssessmentDocument
    from tests.conftest import keep_records

    a = world.make_assessment("screened_out")
    assert keep_records(app) == [a.id]  # queued by the agreement's commit
    [kept] = db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == a.id)).scalars().all()
    assert kept.kind == "signed"
    document = version_pdfs.pdf_for(a)
    assert document.signed and not document.filename.endswith("-DRAFT.pdf")
    assert document.data == kept.data
    text = text_of(document.data)
    assert "DRAFT" not in text and "may still change" not in text
    assert "Screened out" in text
    auth.sign_in(world.lead)
    served = client.get(f"/assessments/{a.id}/pdf")
    assert served.status_code == 200 and served.data == kept.data


def test_a_screening_decision_can_be_published_and_the_register_says_what_it_is(world, client, auth):
    from tests.test_register import listed_rows, page, summary_url

    a = world.make_assessment("screened_out", title="Parking permit prices")
    before = version_pdfs.pdf_for(a).data
    world.take(a, "publish_screening")
    a = fresh(a.id)
    assert a.state == "screening_published" and a.published_at is not None
    [row] = listed_rows(page(client))
    assert row["Title"] == "Parking permit prices" and row["Status"] == "Screening decision published"
    detail = page(client, summary_url(a))
    assert detail.select_one("#screening-decision").get_text(" ", strip=True).startswith("Screening decision:")
    assert detail.select_one("#pdf").get_text(strip=True) == "Download the screening decision (PDF)"
    assert "No signature matches" not in detail.get_text()
    pdf = client.get(f"/register/{a.reference}/v{a.version_number}.pdf")
    assert pdf.status_code == 200 and pdf.data == before  # the final document, as kept at the agreement

    world.take(a, "withdraw_screening_publication")
    assert fresh(a.id).state == "screened_out"
    assert listed_rows(page(client)) == []


# ------------------------------------------------------------------ the signatures fit the page

def words_by_page(pdf: bytes) -> list[tuple[float, list[tuple[str, float]]]]:
    """Each page's width and its words with the right edge of each (pdftotext's bounding boxes)."""
    import subprocess
    from xml.etree import ElementTree

    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    root = ElementTree.fromstring(out)
    ns = "{http://www.w3.org/1999/xhtml}"
    return [(float(p.get("width")), [(w.text or "", float(w.get("xMax"))) for w in p.iter(f"{ns}word")])
            for p in root.iter(f"{ns}page")]


def test_each_signature_with_its_hash_is_on_one_page_inside_the_margins(world):
    a = world.make_assessment("signed_off", answer="yes")
    pages = words_by_page(version_pdfs.pdf_for(a).data)
    right_margin = 18 / 25.4 * 72  # print.css: 18mm
    for width, words in pages:
        beyond = [(w, x) for w, x in words if x > width - right_margin + 0.5]
        assert not beyond, beyond
    content_hash = a.sign_offs[0].content_hash
    [page] = [n for n, (_, words) in enumerate(pages) if any(w == "Signature" for w, _ in words)
              and any(w == "Attestation" for w, _ in words)]
    on_page = "".join(w for w, _ in pages[page][1])
    assert "Signedby" in on_page and content_hash in on_page, "the signature table is split across pages"
