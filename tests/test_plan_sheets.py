"""An action plan from and to a spreadsheet (issue 18): the peer challenge action plans' layout
(a theme in a row of its own, a heading row under each, Management response in words, By when as
a month, a date or a condition) read from .xlsx and CSV; malformed files refused with the row and
column named and nothing half-written; the plan out as .xlsx and CSV, which read back in again."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from eqia.extensions import db
from eqia.models import ActionPlan, PlanRow, PlanTheme
from eqia.services import plan_sheets, plans
from eqia.services.errors import Forbidden, Invalid, NotPossible
from tests.test_plan_pages import page
from tests.test_plans import HOSTILE, add_row, adopted, make

HEADINGS = ["Recommendation", "Management Response", "Next steps", "By when?", "By whom?"]
# The seeds' layout, in this project's own words: a title, then each theme in a row of its own
# followed by its heading row and its recommendations.
LAYOUT = [
    ["Peer challenge draft action plan, March 2027"],
    ["Leadership and Organisational Commitment"],
    HEADINGS,
    ["Name a lead officer for equality work", "Agreed. The Head of Policy will lead.", "Brief senior managers",
     "March 2027", "Head of Policy"],
    ["Set up a members' equality champion", "To be considered by Cabinet.", "Raise with the Leader",
     "after the May elections", "Chief Executive"],
    [],
    ["Understanding and Working with Your Communities"],
    HEADINGS,
    ["Map smaller communities using the new Census data", "Agreed in part: we will start with two wards.",
     "Commission the analysis", "31/10/2027", "Insight team"],
    ["Open a youth forum on racism", "Not agreed. The youth council already does this.", "None", "TBC",
     "Communities team"],
    ["Transport and Access"],
    HEADINGS,
    [HOSTILE, "=HYPERLINK(\"file:///etc/passwd\")", "'; DROP TABLE plan_row;--", "2027-06-30", "Transport"],
]


def as_xlsx(lines, dates=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in lines:
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed as text, as a council's sheet would hold it
    for cell in dates:
        sheet[cell].value = datetime(2027, 12, 31)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(lines) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue().encode("utf-8")


def refused(call) -> list[str]:
    with pytest.raises(Invalid) as caught:
        call()
    db.session.rollback()
    return [str(p.message) for p in caught.value.problems]


def rows_now(plan_id: int) -> list[PlanRow]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PlanRow).where(PlanRow.plan_id == plan_id).order_by(PlanRow.position)))


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_peer_challenge_layout_is_read_theme_by_theme(world, kind):
    plan = make(world)
    data = as_xlsx(LAYOUT) if kind == "xlsx" else as_csv(LAYOUT)
    made = plan_sheets.import_rows(world.lead, plan.id, f"plan.{kind}", data)
    db.session.commit()
    assert len(made) == 5
    rows = rows_now(plan.id)
    themes = {t.id: t for t in db.session.scalars(sa.select(PlanTheme).where(PlanTheme.plan_id == plan.id))}
    assert [(themes[r.theme_id].module or themes[r.theme_id].title) for r in rows] == [
        "leadership", "leadership", "communities", "communities", "Transport and Access"]
    assert [(r.response, r.due_on, r.due_condition, r.owner) for r in rows] == [
        ("agreed", date(2027, 3, 31), "", "Head of Policy"),
        ("", None, "after the May elections", "Chief Executive"),
        ("agreed_in_part", date(2027, 10, 31), "", "Insight team"),
        ("not_agreed", None, "TBC", "Communities team"),
        ("", date(2027, 6, 30), "", "Transport")]
    assert rows[0].response_reason == "Agreed. The Head of Policy will lead."
    # Hostile text is kept as written, a formula as its text.
    assert (rows[4].recommendation, rows[4].response_reason, rows[4].next_steps) == (
        HOSTILE, "=HYPERLINK(\"file:///etc/passwd\")", "'; DROP TABLE plan_row;--")
    assert plans.get(world.lead, plan.id).state == "draft"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionPlan)) == 1
    event = plans.get(world.lead, plan.id)
    assert event.lock_version > 1


def test_a_spreadsheet_date_cell_is_a_date(world):
    plan = make(world)
    lines = [["Diverse and engaged workforce"], HEADINGS, ["Publish pay gaps", "Agreed", "HR to publish", "x", "HR"]]
    plan_sheets.import_rows(world.lead, plan.id, "plan.xlsx", as_xlsx(lines, dates=("D3",)))
    db.session.commit()
    [row] = rows_now(plan.id)
    assert (row.due_on, row.due_condition, row.theme.module) == (date(2027, 12, 31), "", "workforce")


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(world):
    plan = make(world)
    before = plan.lock_version
    lines = [HEADINGS + ["Theme"],
             ["", "Agreed", "x", "May 2027", "HR", "Diverse and engaged workforce"],
             ["Fine", "Agreed", "y" * 10_001, "May 2027", "HR", "Diverse and engaged workforce"],
             ["Fine", "Agreed", "z", "w" * 201, "o" * 201, "Diverse and engaged workforce"],
             ["No theme", "Agreed", "z", "May 2027", "HR", ""]]
    assert refused(lambda: plan_sheets.import_rows(world.lead, plan.id, "plan.csv", as_csv(lines))) == [
        "Row 5: say which theme the recommendation belongs to, in a Theme column or a row of its own above it"]
    del lines[4]
    assert refused(lambda: plan_sheets.import_rows(world.lead, plan.id, "plan.csv", as_csv(lines))) == [
        "Row 2, Recommendation: Enter the recommendation",
        "Row 3, Next steps: This must be 10,000 characters or fewer",
        "Row 4, By when: This must be 200 characters or fewer",
        "Row 4, By whom: This must be 200 characters or fewer"]
    assert rows_now(plan.id) == []
    db.session.expire_all()
    plan = db.session.get(ActionPlan, plan.id)
    assert (plan.lock_version, len(plan.themes)) == (before, 4)


@pytest.mark.parametrize(("name", "data", "said"), [
    ("plan.csv", b"", "The file is empty"),
    ("plan.pdf", b"%PDF-1.7", "The file must be a spreadsheet saved as .xlsx or .csv"),
    ("plan.csv", "Recommendation,Management response\n\u00e9".encode("latin-1"),
     "Save the CSV file as UTF-8 (in Excel: Save as, then \u201cCSV UTF-8\u201d) and try again"),
    ("plan.xlsx", b"PK\x03\x04 not really a zip", "The file could not be read as an .xlsx spreadsheet: open it in "
                                                   "your spreadsheet program, save it as .xlsx and try again"),
    ("plan.xlsx", b"<html><script>alert(1)</script></html>", "The file could not be read as an .xlsx spreadsheet: "
                                                             "open it in your spreadsheet program, save it as .xlsx "
                                                             "and try again"),
    ("plan.csv", b"Name,Owner\nA,B\n", "The file needs a heading row with at least Recommendation, Management "
                                       "response, Next steps, By when and By whom"),
    ("plan.csv", ",".join(HEADINGS).encode(), "The file has no recommendations under its headings"),
    ("plan.csv", b"x" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2 MB"),
])
def test_a_file_that_is_not_a_plan_is_refused_with_a_clear_message(world, name, data, said):
    plan = make(world)
    assert refused(lambda: plan_sheets.import_rows(world.lead, plan.id, name, data)) == [said]
    assert rows_now(plan.id) == []


def test_more_than_a_thousand_rows_are_refused(world):
    plan = make(world)
    lines = [["Diverse and engaged workforce"], HEADINGS] + [["R", "Agreed", "n", "May 2027", "HR"]] * 1_001
    assert refused(lambda: plan_sheets.import_rows(world.lead, plan.id, "plan.csv", as_csv(lines))) == [
        "The file has more than 1,000 rows: split it into smaller files"]


def test_only_a_draft_plan_is_imported_into_and_only_by_its_editors(world):
    plan = make(world)
    add_row(world, plan, owner_user_id=world.author.id)
    data = as_csv(LAYOUT)
    with pytest.raises(Forbidden):
        plan_sheets.import_rows(world.decider, plan.id, "plan.csv", data)
    db.session.rollback()
    adopted(world, plan)
    with pytest.raises(NotPossible):
        plan_sheets.import_rows(world.lead, plan.id, "plan.csv", data)
    db.session.rollback()
    assert len(rows_now(plan.id)) == 1


def test_the_plan_goes_out_as_xlsx_and_csv_and_its_xlsx_comes_back_in(world):
    plan = make(world)
    add_row(world, plan, recommendation="=1+1", response="agreed", response_reason="Agreed: HR will do it")
    add_row(world, plan, number="R2", response="not_agreed", response_reason="Not agreed: no budget", due_on=None,
            due_condition="After the Census release")
    book = load_workbook(io.BytesIO(plan_sheets.xlsx(db.session.get(ActionPlan, plan.id))))
    sheet = book.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:8] == ["Theme", "Number", "Recommendation", "Management response", "Response in full",
                             "Next steps", "By when", "By whom"]
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    assert values[1][6] == datetime(2027, 3, 31) and values[2][6] == "After the Census release"
    copy = make(world, title="Copy")
    plan_sheets.import_rows(world.lead, copy.id, "copy.xlsx", plan_sheets.xlsx(db.session.get(ActionPlan, plan.id)))
    db.session.commit()
    assert [(r.number, r.recommendation, r.response, r.response_reason, r.due_on, r.due_condition, r.theme.module)
            for r in rows_now(copy.id)] == [
        (r.number, r.recommendation, r.response, r.response_reason, r.due_on, r.due_condition, r.theme.module)
        for r in rows_now(plan.id)]


def test_the_import_page_takes_a_file_and_shows_each_problem(client, auth, world):
    plan = make(world)
    auth.sign_in(world.lead)
    form = client.get(f"/programme/plans/{plan.id}/import")
    assert form.status_code == 200 and page(form).select_one("input[type=file][name=file]")
    missing = client.post(f"/programme/plans/{plan.id}/import", data={"lock_version": str(plan.lock_version)})
    assert missing.status_code == 422 and "Choose the spreadsheet to import" in missing.get_data(as_text=True)
    bad = client.post(f"/programme/plans/{plan.id}/import", data={
        "lock_version": str(plan.lock_version),
        "file": (io.BytesIO(as_csv([HEADINGS, ["", "Agreed", "x", "May 2027", "HR"]])), "plan.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    assert [li.get_text(strip=True) for li in page(bad).select(".govuk-error-summary__list li")] == [
        "Row 2: say which theme the recommendation belongs to, in a Theme column or a row of its own above it"]
    good = client.post(f"/programme/plans/{plan.id}/import", data={
        "lock_version": str(plan.lock_version), "file": (io.BytesIO(as_xlsx(LAYOUT)), "plan.xlsx")},
        content_type="multipart/form-data")
    assert good.status_code == 302
    assert "5 recommendations imported." in client.get(good.headers["Location"]).get_data(as_text=True)
    assert len(rows_now(plan.id)) == 5
    download = client.get(f"/programme/plans/{plan.id}.xlsx")
    assert download.mimetype == plan_sheets_xlsx_type() and download.data[:2] == b"PK"


def plan_sheets_xlsx_type() -> str:
    from eqia.views.plans import XLSX

    return XLSX
