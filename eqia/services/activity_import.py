"""Activities imported into the register from a CSV file, as a council keeps its
list of policies and services in a spreadsheet.

The first row names the columns, in any order: name, directorate, kind,
relevance and needs_eqia are needed; owner, assess_by and notes may be given.
A kind or a relevance is its code or its label (in English or Welsh); needs_eqia
is yes or no; assess_by a date (2027-03-31 or 31/03/2027); a directorate one in
use, by its name in any case. The register's own download (in English) can be
imported again: its headings are read, and what it adds (coverage) read past.

All or nothing: every row is checked by the same rules as the register's page
(eqia.services.activities.checked), and if any is wrong nothing is added and each
problem is named by its row and column, as the spreadsheet numbers them.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from eqia.extensions import db
from eqia.loaded_definitions import characteristics
from eqia.models import RELEVANCES, Activity, Directorate, User
from eqia.services import activities
from eqia.services.errors import Invalid
from eqia.unit_of_work import refusing_clashes, service_step
from eqia.workflow.errors import N_
from eqia.workflow.hooks import Problem

MAX_BYTES = 2_000_000
MAX_ROWS = 5_000
PROBLEMS_SHOWN = 30

REQUIRED = ("name", "directorate", "kind", "relevance", "needs_eqia")
OPTIONAL = ("owner", "assess_by", "notes")
# Other headings a council's spreadsheet may use for a column.
ALIASES = {"activity": "name", "needs_assessment": "needs_eqia", "needs_an_eqia": "needs_eqia",
           "needs_an_assessment": "needs_eqia", "eqia_needed": "needs_eqia", "eqia_by": "assess_by", "due": "assess_by",
           "type": "kind"}
# What the register's own download adds, read past on import: so a download (in English) can be imported again.
READ_PAST = {"coverage", "late", "assessments_linked"}
# The column each of the service's fields is read from.
COLUMN_OF = {"name": "name", "kind": "kind", "directorate_id": "directorate", "owner": "owner",
             "relevance": "relevance", "needs_assessment": "needs_eqia", "assess_by": "assess_by", "notes": "notes"}
YES = {"yes", "y", "true", "1", "ie", "oes"}
NO = {"no", "n", "false", "0", "na", "nac oes", "nac ydy"}

FILE_MISSING = N_("Choose a CSV file to import")
FILE_TOO_BIG = N_("The file must be 2 MB or smaller")  # MAX_BYTES
FILE_NOT_TEXT = N_("The file must be a CSV file saved as UTF-8 text (in Excel: Save as, CSV UTF-8)")
FILE_EMPTY = N_("The file is empty: its first row must name the columns")
NO_ROWS = N_("The file names the columns but has no activities below them")
TOO_MANY_ROWS = N_("The file has more than 5,000 activities: split it into smaller files")  # MAX_ROWS
assert f"{MAX_ROWS:,}" in TOO_MANY_ROWS and f"{MAX_BYTES // 1_000_000} MB" in FILE_TOO_BIG


def _heading(text: str) -> str:
    key = "_".join(text.strip().lower().replace("-", " ").split())
    return ALIASES.get(key, key)


def _problem(row: int, column: str, message: str) -> Problem:
    return Problem(_("Row %(row)s, column \u201c%(column)s\u201d: %(problem)s", row=row, column=column,
                     problem=_(message)), field="file")


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _choices(labels: dict[str, str]) -> dict[str, str]:
    """A code, its English label or its label in the language of the moment, in any case, to the code."""
    found = {}
    for code, label in labels.items():
        found.update({code.lower(): code, str.__str__(label).lower(): code, str(label).lower(): code})
    return found


def _rows(data: bytes) -> list[list[str]]:
    if not data:
        raise Invalid(Problem(FILE_EMPTY, field="file"))
    if len(data) > MAX_BYTES:
        raise Invalid(Problem(FILE_TOO_BIG, field="file"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(Problem(FILE_NOT_TEXT, field="file")) from None
    if "\x00" in text:
        raise Invalid(Problem(FILE_NOT_TEXT, field="file"))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise Invalid(Problem(FILE_NOT_TEXT, field="file")) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise Invalid(Problem(FILE_EMPTY, field="file"))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems = []
    for number, text in enumerate(header):
        key = _heading(text)
        if not key or key in READ_PAST:
            continue
        if key not in REQUIRED + OPTIONAL:
            problems.append(Problem(_("Row 1: \u201c%(column)s\u201d is not a column the register has. The columns "
                                      "are: %(columns)s", column=text.strip()[:80],
                                      columns=", ".join(REQUIRED + OPTIONAL)), field="file"))
        elif key in columns:
            problems.append(Problem(_("Row 1: the column \u201c%(column)s\u201d is named twice", column=key),
                                    field="file"))
        else:
            columns[key] = number
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        problems.append(Problem(_("Row 1 must name the columns %(columns)s; it has no %(missing)s",
                                  columns=", ".join(REQUIRED), missing=", ".join(missing)), field="file"))
    if problems:
        raise Invalid(*problems)
    return columns


@service_step
def import_csv(user: User, data: bytes) -> int:
    """Adds every row of the file as an activity, or none of them: the number added."""
    activities.require_keeper(user)
    rows = _rows(data)
    columns = _columns(rows[0])
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise Invalid(Problem(NO_ROWS, field="file"))
    if len(body) > MAX_ROWS:
        raise Invalid(Problem(TOO_MANY_ROWS, field="file"))
    directorates = {name.lower(): id_ for id_, name in db.session.execute(
        select(Directorate.id, Directorate.name).where(Directorate.retired_at.is_(None)))}
    kinds, relevances = _choices(characteristics().activity_kinds), _choices(RELEVANCES)
    problems: list[Problem] = []
    seen: dict[tuple[int, str], int] = {}
    made = []
    for number, row in body:
        cell = {key: (row[index].strip() if index < len(row) else "") for key, index in columns.items()}
        found: list[Problem] = []
        directorate_id = directorates.get(cell["directorate"].lower())
        if cell["directorate"] and directorate_id is None:
            found.append(_problem(number, "directorate", _("there is no directorate in use called \u201c%(name)s\u201d",
                                                          name=cell["directorate"][:200])))
        kind = kinds.get(cell["kind"].lower())
        relevance = relevances.get(cell["relevance"].lower())
        needs = cell["needs_eqia"].lower()
        assess_by = _date(cell.get("assess_by", ""))
        if cell.get("assess_by") and assess_by is None:
            found.append(_problem(number, "assess_by", N_("enter a date such as 2027-03-31 or 31/03/2027")))
        fields = {"name": cell["name"], "kind": kind, "directorate_id": directorate_id, "owner": cell.get("owner", ""),
                  "relevance": relevance, "needs_assessment": True if needs in YES else False if needs in NO else None,
                  "assess_by": assess_by, "notes": cell.get("notes", "")}
        try:
            values = activities.checked(fields)
        except Invalid as refused:
            found += [_problem(number, COLUMN_OF.get(p.field, p.field), p.message) for p in refused.problems
                      if not (p.field == "directorate_id" and cell["directorate"] and directorate_id is None)]
        else:
            key = (values["directorate_id"], values["name"].lower())
            if key in seen:
                found.append(_problem(number, "name", _("the same activity as row %(row)s", row=seen[key])))
            seen.setdefault(key, number)
            made.append(values)
        problems += found
    if problems:
        shown = problems[:PROBLEMS_SHOWN]
        if len(problems) > PROBLEMS_SHOWN:
            shown.append(Problem(_("and %(count)s more problems: correct these, then import the file again",
                                   count=len(problems) - PROBLEMS_SHOWN), field="file"))
        raise Invalid(*shown)
    db.session.add_all(Activity(**values, created_by_id=user.id) for values in made)
    with refusing_clashes(lambda: Invalid(Problem(activities.NAME_TAKEN, field="file"))):
        db.session.flush()
    activities.record(user, activities.ACTIVITIES_IMPORTED, count=len(made))
    return len(made)
