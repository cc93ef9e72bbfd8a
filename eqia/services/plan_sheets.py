"""An action plan from and to a spreadsheet (.xlsx or CSV), laid out as councils
keep them: a heading row (Recommendation, Management response, Next steps, By
when?, By whom?; optionally Number and Theme), each theme named in a row of its
own above its recommendations, the heading row repeated under each theme if
wished. The peer challenge action plans this project grew from are laid out so.

Reading is all or nothing: every problem is named by its row and column, and
nothing is written until none is left (eqia.services.plans.add_rows). What a
value must be is the plan service's to say; this module only finds the values.

- Management response: the council's words are kept as written; the response
  itself (agreed, agreed in part, not agreed) is read from how they begin, and
  left for the lead to choose where they say neither (the plan cannot be agreed
  until every row has one).
- By when: a date (a spreadsheet date, 2027-03-31, 31/03/2027, or a month and
  year, which means its last day); anything else is kept as the condition it is
  ("after the Census release").
- Theme: a row's Theme column, else the heading above it; matched to the plan's
  themes by their words (the Framework's modules are recognised under older
  names), else a new theme of that name.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel.speaklater import LazyString

from eqia.models import ACTION_PROGRESS_STATUSES, FRAMEWORK_MODULES, RESPONSES, ActionPlan, User
from eqia.services import plans
from eqia.services.errors import Invalid
from eqia.workflow.errors import N_, said
from eqia.workflow.hooks import Problem

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1_000
SHOWN_PROBLEMS = 30

NOT_A_SHEET = N_("The file must be a spreadsheet saved as .xlsx or .csv")
EMPTY = N_("The file is empty")
TOO_BIG = N_("The file must be smaller than 2 MB")
TOO_MANY = N_("The file has more than 1,000 rows: split it into smaller files")
NOT_UTF8 = N_("Save the CSV file as UTF-8 (in Excel: Save as, then \u201cCSV UTF-8\u201d) and try again")
NOT_XLSX = N_("The file could not be read as an .xlsx spreadsheet: open it in your spreadsheet program, save it "
              "as .xlsx and try again")
NO_HEADINGS = N_("The file needs a heading row with at least Recommendation, Management response, Next steps, "
                 "By when and By whom")
NO_ROWS = N_("The file has no recommendations under its headings")
NO_THEME = N_("Row {row}: say which theme the recommendation belongs to, in a Theme column or a row of its own "
              "above it")
PROBLEM_AT = N_("Row {row}, {column}: {problem}")
MORE_PROBLEMS = N_("and {count} more problems")
assert f"{MAX_ROWS:,}" in TOO_MANY

# Each column's headings as councils write them (folded: lower case, no punctuation), and the field it fills.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "no", "ref", "reference"),
    "theme": ("theme", "module", "section"),
    "recommendation": ("recommendation", "lga recommendation", "recommendations", "peer challenge recommendation"),
    "response": ("management response", "response", "council response"),
    # The plan's own download gives the response and the words apart.
    "response_words": ("response in full",),
    "next_steps": ("next steps", "next step", "actions", "action"),
    "due": ("by when", "when", "deadline", "timescale"),
    "owner": ("by whom", "who", "lead officer", "lead", "owner"),
}
REQUIRED = ("recommendation", "response", "next_steps", "due", "owner")
COLUMN_NAMES = {"number": N_("Number"), "theme": N_("Theme"), "recommendation": N_("Recommendation"),
                "response": N_("Management response"), "response_words": N_("Response in full"),
                "next_steps": N_("Next steps"),
                "due": N_("By when"), "owner": N_("By whom"), "theme_id": N_("Theme")}
# The field a service problem names, and the column it came from.
FIELD_COLUMN = {"number": "number", "recommendation": "recommendation", "response_reason": "response",
                "next_steps": "next_steps", "due_condition": "due", "owner": "owner", "theme_id": "theme",
                "response": "response"}

# How a management response begins, and the response it gives (checked in this order).
RESPONSE_OPENINGS = (("agreed in part", "agreed_in_part"), ("partly agreed", "agreed_in_part"),
                     ("partially agreed", "agreed_in_part"), ("not agreed", "not_agreed"),
                     ("disagreed", "not_agreed"), ("agreed", "agreed"),
                     # The Welsh download's words for them.
                     ("cytunwyd yn rhannol", "agreed_in_part"), ("ni chytunwyd", "not_agreed"),
                     ("cytunwyd", "agreed"))
# Words a theme's heading may leave out and still name a Framework module.
MINOR_WORDS = frozenset({"and", "with", "your", "the", "of", "a", "to", "for"})
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _cell(value) -> str | date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class Sheet:
    """What a file says, before any rule is applied: each recommendation's values and its row number."""
    rows: list[tuple[int, dict]] = field(default_factory=list)


def _problem(row: int, column: str, message) -> Problem:
    return Problem(LazyString(lambda: said(PROBLEM_AT).format(row=row, column=said(COLUMN_NAMES[column]),
                                                               problem=said(message))), field=f"{row}:{column}")


def _lines(filename: str, data: bytes) -> list[list]:
    if not data:
        raise Invalid(Problem(EMPTY, field="file"))
    if len(data) > MAX_BYTES:
        raise Invalid(Problem(TOO_BIG, field="file"))
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _xlsx_lines(data)
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(Problem(NOT_UTF8, field="file")) from None
        if "\x00" in text:
            raise Invalid(Problem(NOT_UTF8, field="file"))
        try:
            return [row for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error:
            raise Invalid(Problem(NOT_A_SHEET, field="file")) from None
    raise Invalid(Problem(NOT_A_SHEET, field="file"))


def _xlsx_lines(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise Invalid(Problem(NOT_XLSX, field="file")) from None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file; none is ours to show
        raise Invalid(Problem(NOT_XLSX, field="file")) from None
    try:
        lines = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                lines.append(list(row))
                if len(lines) > MAX_ROWS + 200:
                    raise Invalid(Problem(TOO_MANY, field="file"))
        return lines
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - as above
        raise Invalid(Problem(NOT_XLSX, field="file")) from None
    finally:
        book.close()


def _headings(cells: list) -> dict[str, int] | None:
    """The columns a heading row names, or None if the row is not one."""
    found: dict[str, int] = {}
    for index, value in enumerate(cells):
        if not isinstance(value, str):
            continue
        folded = _folded(value)
        for key, names in COLUMNS.items():
            if folded in names and key not in found:
                found[key] = index
    return found if all(key in found for key in REQUIRED) else None


def read(filename: str, data: bytes) -> Sheet:
    """The recommendations of a file, each with the theme heading above it; refuses what is not a plan."""
    lines = [[_cell(v) for v in line] for line in _lines(filename, data)]
    sheet, columns, theme = Sheet(), None, ""
    for number, cells in enumerate(lines, start=1):
        filled = [v for v in cells if v != ""]
        if not filled:
            continue
        heading = _headings(cells)
        if heading is not None:
            columns = heading
            continue
        if len(filled) == 1 and cells and cells[0] != "" and (columns is None or "theme" not in columns):
            theme = _text(cells[0])  # a theme's own row (a title above the first one is replaced by it)
            continue
        if columns is None:
            continue  # a title or note above the headings
        values = {key: cells[index] if index < len(cells) else "" for key, index in columns.items()}
        if "theme" not in columns or values["theme"] == "":
            values["theme"] = theme
        sheet.rows.append((number, values))
        if len(sheet.rows) > MAX_ROWS:
            raise Invalid(Problem(TOO_MANY, field="file"))
    if columns is None:
        raise Invalid(Problem(NO_HEADINGS, field="file"))
    if not sheet.rows:
        raise Invalid(Problem(NO_ROWS, field="file"))
    return sheet


def response_of(words: str) -> str:
    folded = _folded(words)
    return next((code for opening, code in RESPONSE_OPENINGS if folded.startswith(opening)), "")


def due_of(value) -> tuple[date | None, str]:
    """(a date, "") when the cell is one, else (None, its words as the condition)."""
    if isinstance(value, date):
        return value, ""
    text = str(value).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date(), ""
        except ValueError:
            pass
    parts = _folded(text).split()
    if len(parts) == 2 and parts[0] in MONTHS and parts[1].isdigit() and len(parts[1]) == 4:
        year, month = int(parts[1]), MONTHS[parts[0]]
        return date(year, month, calendar.monthrange(year, month)[1]), ""
    return None, text


def theme_for(plan: ActionPlan, heading: str):
    """The plan's theme a heading names: by its words, or by a Framework module's (older names too)."""
    found = plans.theme_named(plan, heading)
    if found is not None:
        return found
    words = set(_folded(heading).split()) - MINOR_WORDS
    if not words:
        return None
    for theme in plan.themes:
        if theme.module in FRAMEWORK_MODULES:
            module_words = set(_folded(str.__str__(FRAMEWORK_MODULES[theme.module])).split())
            if words <= module_words:
                return theme
    return None


def import_rows(user: User, plan_id: int, filename: str, data: bytes, *, expected_lock_version: int | None = None):
    """Add a file's recommendations to a draft plan, all or nothing; returns the rows added."""
    plan = plans.get(user, plan_id)
    sheet = read(filename, data)
    problems: list[Problem] = []
    new_themes: list[str] = []
    rows: list[dict] = []
    for number, values in sheet.rows:
        heading = _text(values["theme"])
        theme = theme_for(plan, heading) if heading else None
        if not heading:
            problems.append(Problem(LazyString(lambda n=number: said(NO_THEME).format(row=n)),
                                    field=f"{number}:theme"))
            continue
        if theme is None and heading not in new_themes:
            new_themes.append(heading)
        said_response = _text(values["response"])
        words = _text(values["response_words"]) if "response_words" in values else said_response
        due_on, condition = due_of(values["due"])
        rows.append({"theme": theme.title or theme.module if theme is not None else heading,
                     "number": _text(values.get("number", "")), "recommendation": _text(values["recommendation"]),
                     "response": response_of(said_response), "response_reason": words,
                     "next_steps": _text(values["next_steps"]), "due_on": due_on, "due_condition": condition,
                     "owner": _text(values["owner"]), "owner_user_id": None, "_row": number})
    if not problems:
        try:
            return plans.add_rows(user, plan.id, [{k: v for k, v in r.items() if k != "_row"} for r in rows],
                                  themes=new_themes, expected_lock_version=expected_lock_version)
        except Invalid as error:
            problems = _placed(error, [r["_row"] for r in rows])
    raise Invalid(*_shown(problems))


def _placed(error: Invalid, numbers: list[int]) -> list[Problem]:
    """The service's problems (on "<nth row>:<field>") named by the file's row and column."""
    placed = []
    for problem in error.problems:
        index, _, name = problem.field.partition(":")
        if index.isdigit() and name in FIELD_COLUMN:
            placed.append(_problem(numbers[int(index) - 1], FIELD_COLUMN[name], problem.message))
        else:
            placed.append(problem)
    return placed


def _shown(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= SHOWN_PROBLEMS:
        return problems
    rest = len(problems) - SHOWN_PROBLEMS
    return problems[:SHOWN_PROBLEMS] + [Problem(LazyString(lambda: said(MORE_PROBLEMS).format(count=rest)))]


# ------------------------------------------------------------------ out again
HEADINGS = (N_("Theme"), N_("Number"), N_("Recommendation"), N_("Management response"), N_("Response in full"),
            N_("Next steps"), N_("By when"), N_("By whom"), N_("Status"), N_("Overdue"), N_("Latest progress note"),
            N_("As at"))


def table(plan: ActionPlan) -> Iterable[list]:
    """The plan as rows of cells, headings first (dates as dates): the CSV and the .xlsx are both this.
    Read back by `read`: the Theme column names each row's theme, Management response the response and
    Response in full its words."""
    yield [said(h) for h in HEADINGS]
    for r in plans.progress(plan):
        row = r.row
        yield [str(row.theme.shown_title), row.number, row.recommendation,
               str(RESPONSES[row.response]) if row.response in RESPONSES else "", row.response_reason,
               row.next_steps, row.due_on or row.due_condition, row.owner,
               str(ACTION_PROGRESS_STATUSES.get(r.status, r.status)), said(N_("Yes")) if r.overdue else said(N_("No")),
               r.latest.note if r.latest else "", r.latest.dated if r.latest else ""]


def xlsx(plan: ActionPlan) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = said(N_("Action plan"))
    for index, cells in enumerate(table(plan), start=1):
        sheet.append(cells)
        for cell in sheet[index]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # what users wrote is text, never a formula the spreadsheet would run
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = "d mmm yyyy"
            if index == 1:
                cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJKL", (30, 8, 50, 16, 50, 40, 18, 24, 14, 10, 40, 12)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
