"""An action plan's progress report for a committee (issue 18): counted as the rows stand,
shown theme by theme with each row's latest note, as a tagged PDF and as Word from the same
HTML, in the reader's language; only for those who may see the plan."""

from __future__ import annotations

import io
from datetime import date

import pikepdf
import pytest
from bs4 import BeautifulSoup
from docx import Document as WordDocument

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import ActionPlan
from eqia.pdf import checks
from eqia.pdf.fetcher import BundledAssets
from eqia.pdf.layout import plan_progress_html
from eqia.pdf.render import pdf_from_html
from eqia.services import plan_report, plans
from eqia.services.action_progress import ProgressInput, today
from eqia.services.errors import Invalid
from tests.test_pdf import docx_text, listener, text_of  # noqa: F401 (listener: a fixture)
from tests.test_plans import HOSTILE, add_row, adopted, make

PAST, FUTURE = date(2020, 1, 31), date(2099, 3, 31)
PERIOD = "Quarter 2, 2026 to 2027"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "pdf"


def seeded(world) -> ActionPlan:
    """An adopted plan with a row in every status: done, on track (started and not), late (started
    and not), dropped; one in another theme says hostile things in its text and its note."""
    plan = make(world)
    done = add_row(world, plan, number="R1", due_on=PAST)
    started = add_row(world, plan, number="R2", due_on=FUTURE)
    add_row(world, plan, number="R3", due_on=None, due_condition="After the Census release")
    behind = add_row(world, plan, number="R4", due_on=PAST)
    add_row(world, plan, number="R5", due_on=PAST)
    dropped = add_row(world, plan, number="R6", due_on=PAST)
    hostile = add_row(world, plan, number="R7", theme_id=plan.themes[3].id, recommendation=HOSTILE,
                      response="not_agreed", response_reason=f"No budget {HOSTILE}", due_on=FUTURE,
                      owner=HOSTILE)
    adopted(world, plan)
    for row, status, note in ((done, "done", "Published on the website"),
                              (started, "in_progress", "Draft data shared with the unions"),
                              (behind, "in_progress", "Waiting for the new HR system"),
                              (dropped, "dropped", "Replaced by the regional data hub"),
                              (hostile, "in_progress", f"Started {HOSTILE}")):
        plans.record_progress(world.lead, plan.id, row.id, ProgressInput(status, note, "", today()))
    db.session.commit()
    return db.session.get(ActionPlan, plan.id)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def errors_of(response) -> list[str]:
    return [item.get_text(strip=True) for item in page(response).select(".govuk-error-summary__list li")]


# ------------------------------------------------------------------ the counts
def test_the_counts_are_what_a_direct_count_of_the_rows_says(world):
    plan = seeded(world)
    context = plan_report.report_context(world.lead, plan.id, PERIOD)
    rows = plans.progress(plan, context["on"])
    direct = {"done": sum(r.status == "done" for r in rows),
              "dropped": sum(r.status == "dropped" for r in rows),
              "late": sum(r.row.due_on is not None and r.row.due_on < today() and r.status not in ("done", "dropped")
                          for r in rows),
              "not_started": sum(r.status == "not_started" for r in rows)}
    direct["on_track"] = len(rows) - direct["done"] - direct["dropped"] - direct["late"]
    counts = context["counts"]
    assert {k: getattr(counts, k) for k in direct} == direct
    # Every row is exactly one of done, on track, late or dropped; the plan's seven rows are spread over all four.
    assert (counts.done, counts.on_track, counts.late, counts.dropped, counts.not_started, counts.total) == (
        1, 3, 2, 1, 2, 7)
    assert [(r.label, r.overdue) for g in context["themes"] for r in g.rows if r.overdue] == [("R4", True),
                                                                                            ("R5", True)]


def test_the_report_says_when_the_plan_was_adopted_as_its_trail_recorded_it(world):
    plan = make(world)
    add_row(world, plan)
    assert plan_report.report_context(world.lead, plan.id)["adopted_on"] is None
    adopted(world, plan)
    context = plan_report.report_context(world.lead, plan.id)
    assert context["adopted_on"] == today() and context["on"] == today() and context["period"] == ""


def test_a_period_too_long_or_with_a_nul_is_refused_with_a_message(world):
    plan = make(world)
    for bad, message in (("x" * 101, "The period must be 100 characters or fewer"),
                         ("Q2\x00", "Remove the null character (\\0) from this answer: it cannot be stored")):
        with pytest.raises(Invalid) as caught:
            plan_report.report_context(world.lead, plan.id, bad)
        assert [(p.field, str(p.message)) for p in caught.value.problems] == [("period", message)]
    assert plan_report.report_context(world.lead, plan.id, "  " + "x" * 100 + " ")["period"] == "x" * 100


# ------------------------------------------------------------------ the PDF
def test_the_pdf_shows_each_row_and_its_note_and_passes_the_accessibility_checks(client, auth, world):
    plan = seeded(world)
    auth.sign_in(world.lead)
    response = client.get(f"/programme/plans/{plan.id}/report.pdf", query_string={"period": PERIOD})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="action-plan-{plan.id}-progress.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    data = response.data
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "plan-progress.pdf").write_bytes(data)
    assert checks.problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == f"Progress against the action plan: {plan.title}, {PERIOD}"
    # A word too long for its narrow column breaks across lines, which the text reads as a space.
    text = "".join(text_of(data).split())
    for words in (plan.title, PERIOD, "Progress report", "Summary", "On track", "Late",
                  "Understanding and working with your communities", "Diverse and engaged workforce",
                  "Published on the website", "Draft data shared with the unions", "Waiting for the new HR system",
                  "Replaced by the regional data hub", "After the Census release", "No progress recorded",
                  f"Started {HOSTILE}", f"No budget {HOSTILE}", "<script>alert(1)</script>", "file:///etc/passwd"):
        assert "".join(words.split()) in text, words
    for number in ("R1", "R2", "R3", "R4", "R5", "R6"):
        assert f"{number}Publishworkforcedata" in text, number  # each row's number, then its recommendation
    assert "R7<script>" in text


def test_hostile_text_in_the_plan_is_shown_as_written_and_never_fetched(world, listener):  # noqa: F811
    plan = make(world, title=f"Plan {HOSTILE} http://127.0.0.1:{listener.port}/title")
    add_row(world, plan, recommendation=f"<img src=\"http://127.0.0.1:{listener.port}/img\"> {HOSTILE}",
            owner=f"</style><style>@import url(http://127.0.0.1:{listener.port}/import);")
    page_html = plan_progress_html(plan_report.report_context(world.lead, plan.id,
                                                              f"Q2 <link href='file:///etc/passwd'>"))
    fetcher = BundledAssets()
    data = pdf_from_html(page_html, fetcher=fetcher)
    assert fetcher.refused == [] and listener.hits == 0
    text = "".join(text_of(data).split())
    assert f"http://127.0.0.1:{listener.port}/img" in text and "Q2<linkhref='file:///etc/passwd'>" in text
    assert "@importurl(" in text and "'OR1=1--" in text
    assert "Progressreport:Plan<script>alert(1)</script>" in text  # the running header, not escaped twice


def test_the_councils_words_are_reported_while_the_response_is_not_yet_chosen(world):
    plan = make(world)
    add_row(world, plan, response="", response_reason="To be considered by Cabinet.")
    shown = BeautifulSoup(plan_progress_html(plan_report.report_context(world.lead, plan.id, "")), "html.parser")
    assert "Not given yet To be considered by Cabinet." in shown.get_text(" ", strip=True)


def test_the_pdf_is_in_welsh_for_a_reader_who_chose_welsh(client, auth, world):
    plan = seeded(world)
    world.lead.language = "cy"
    db.session.commit()
    auth.sign_in(world.lead)
    response = client.get(f"/programme/plans/{plan.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-progress-cy.pdf"')
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert str(pdf.Root.Lang) == "cy"
    assert checks.problems(response.data) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "plan-progress-cy.pdf").write_bytes(response.data)
    text = text_of(response.data)
    for welsh in ("Adroddiad cynnydd", "Crynodeb", "Argymhelliad", "Ymateb y rheolwyr", "Erbyn pryd", "Gan bwy"):
        assert welsh in text, welsh
    for english in ("Progress report", "Summary", "Management response", "By whom", "On track"):
        assert english not in text, english
    refused = client.get(f"/programme/plans/{plan.id}/report.pdf", query_string={"period": "x" * 101})
    assert refused.status_code == 422 and errors_of(refused) == ["Rhaid i\u2019r cyfnod fod yn 100 nod neu lai"]


# ------------------------------------------------------------------ the Word copy
def test_the_word_copy_has_the_pdfs_headings_and_table_rows(client, auth, world):
    plan = seeded(world)
    auth.sign_in(world.lead)
    response = client.get(f"/programme/plans/{plan.id}/report.docx", query_string={"period": PERIOD})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="action-plan-{plan.id}-progress.docx"'
    doc = WordDocument(io.BytesIO(response.data))
    assert doc.core_properties.title == f"Progress against the action plan: {plan.title}, {PERIOD}"
    assert doc.core_properties.language == "en-GB"
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", plan.title), ("Heading 2", "Summary"),
                        *[("Heading 2", str(t.shown_title)) for t in plan.themes]]
    [facts, counts, *themes] = doc.tables
    assert [c.text for c in counts.rows[2].cells] == ["Late", "2"]
    header, *rows = [[c.text for c in r.cells] for r in themes[0].rows]
    assert header == ["Number", "Recommendation", "Management response", "By when", "By whom", "Status",
                      "Latest progress"]
    assert [r[0] for r in rows] == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert rows[3][5] == "In progress\nLate" and rows[3][6].startswith("Waiting for the new HR system\nAs at ")
    [hostile] = [[c.text for c in r.cells] for r in themes[1].rows][1:]
    assert hostile[1] == HOSTILE and hostile[2] == f"Not agreed\nNo budget {HOSTILE}"
    assert f"Started {HOSTILE}" in docx_text(response.data)
    # The header row repeats on every page the table breaks across.
    assert 'w:tblHeader w:val="true"' in themes[0].rows[0]._tr.xml


# ------------------------------------------------------------------ the pages
def test_the_plans_page_links_to_the_report_whose_form_offers_pdf_and_word(client, auth, world):
    plan = seeded(world)
    auth.sign_in(world.lead)
    shown = page(client.get(f"/programme/plans/{plan.id}"))
    assert shown.select_one(f"a[href='/programme/plans/{plan.id}/report']") is not None
    form = page(client.get(f"/programme/plans/{plan.id}/report")).select_one("main form")
    assert form["method"] == "get" and form["action"] == f"/programme/plans/{plan.id}/report.pdf"
    assert form.select_one("input[name=period]") is not None
    assert [b.get("formaction") for b in form.select("button")] == [None, f"/programme/plans/{plan.id}/report.docx"]


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_bad_period_gets_the_form_again_with_what_to_do(client, auth, world, kind):
    plan = seeded(world)
    auth.sign_in(world.lead)
    too_long = client.get(f"/programme/plans/{plan.id}/report.{kind}", query_string={"period": "x" * 101})
    assert too_long.status_code == 422 and too_long.mimetype == "text/html"
    assert errors_of(too_long) == ["The period must be 100 characters or fewer"]
    assert page(too_long).select_one("input[name=period]")["value"] == "x" * 101
    nul = client.get(f"/programme/plans/{plan.id}/report.{kind}?period=Q2%00")
    assert nul.status_code == 422
    assert errors_of(nul) == ["Remove the null character (\\0) from this answer: it cannot be stored"]


def test_someone_who_may_not_see_the_plan_cannot_read_its_report(client, auth, world):
    plan = seeded(world)
    auth.sign_in(world.outsider)
    for url in ("/report", "/report.pdf", "/report.docx", "/report.pdf?period=" + "x" * 101):
        assert client.get(f"/programme/plans/{plan.id}{url}").status_code == 404, url
    auth.sign_out()
    assert client.get(f"/programme/plans/{plan.id}/report.pdf").status_code == 302  # to sign in


def test_a_rows_owner_may_read_the_report_of_the_plan_they_own_a_row_of(client, auth, world):
    plan = make(world)
    add_row(world, plan, owner_user_id=world.author.id)
    auth.sign_in(world.author)
    assert client.get(f"/programme/plans/{plan.id}/report.pdf").status_code == 200
