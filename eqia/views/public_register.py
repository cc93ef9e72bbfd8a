"""The public register: the list with its filters, the same rows as CSV and
JSON, and each published version's summary. No sign-in: everything here is
public, and `eqia.services.public_register` decides what that is."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from eqia.forms.fields import PARTS, date_missing_parts, date_not_real
from eqia.i18n import in_language
from eqia.links import external_url
from eqia.models import Directorate
from eqia.loaded_definitions import characteristics
from eqia.security import public
from eqia.services import audit
from eqia.services import public_register as service
from eqia.responses import pdf_response
from eqia.services.public_register import RegisterFilters, RegisterResult, RegisterRow, export_record
from eqia.services.summary import sign_off_summary
from eqia.views.errors import PAGES

bp = Blueprint("register", __name__)

# ------------------------------------------------------------ the filter form
# A GET form: what a visitor typed is read here, checked, and turned into the
# filters the service applies. A value that cannot be understood never reaches
# the query: an unknown directorate or group is ignored, a date that is not a
# real date is shown back with its error and left out of the search.

# The date filters: URL prefix (from-day, from-month, from-year), legend, and the
# name the GOV.UK error wording uses.
DATES = {
    "from": (_l("Published from"), _l("Published from date")),
    "to": (_l("Published to"), _l("Published to date")),
}
# Enough for any real day, month or year; a longer part is refused, not echoed.
MAX_PART_LENGTH = 10


DATES_OUT_OF_ORDER = _l("Published to date must be the same as or after the published from date")


@dataclass
class FilterError:
    href: str  # the input the error summary links to
    message: str
    parts: tuple[str, ...]  # the date parts to mark as in error


@dataclass
class FilterForm:
    filters: RegisterFilters
    directorates: list[Directorate]
    typed_dates: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: dict[str, FilterError] = field(default_factory=dict)

    @property
    def error_list(self) -> list[dict]:
        return [{"text": e.message, "href": e.href} for e in self.errors.values()]

    def applied_args(self) -> dict[str, str]:
        """The filters in force as URL arguments: for the next page and the downloads."""
        f = self.filters
        args = {"q": f.text, "directorate": str(f.directorate_id or ""), "characteristic": f.characteristic}
        for prefix, day in (("from", f.published_from), ("to", f.published_to)):
            if day is not None:
                args.update({f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month),
                             f"{prefix}-year": str(day.year)})
        return {k: v for k, v in args.items() if v}


def _date_from(args: Mapping[str, str],
               prefix: str) -> tuple[dict[str, str], date | None, FilterError | None]:
    """What was typed in one date's parts, the date if it is a real one, and the error if not."""
    label = str(DATES[prefix][1])
    raw = {part: args.get(f"{prefix}-{part}", "").replace("\x00", "").strip() for part in PARTS}
    typed = {part: value[:MAX_PART_LENGTH] for part, value in raw.items()}
    if not any(raw.values()):
        return typed, None, None
    first = f"#published-{prefix}-"
    missing = [part for part in PARTS if not raw[part]]
    if missing:
        return typed, None, FilterError(first + missing[0], date_missing_parts(label, missing),
                                        tuple(missing))
    try:
        if any(len(value) > MAX_PART_LENGTH for value in raw.values()):
            raise ValueError
        day, month, year = (int(raw[part]) for part in PARTS)
        if not 1000 <= year <= 9999:
            raise ValueError
        return typed, date(year, month, day), None
    except ValueError:
        return typed, None, FilterError(first + "day", date_not_real(label), PARTS)


def read_filters(args: Mapping[str, str]) -> FilterForm:
    directorates = service.directorates()
    directorate = args.get("directorate", "")
    known_directorates = {str(d.id): d.id for d in directorates}
    characteristic = args.get("characteristic", "")
    known_characteristics = {c.key for c in characteristics().characteristics}
    errors: dict[str, FilterError] = {}
    typed_dates: dict[str, dict[str, str]] = {}
    chosen: dict[str, date | None] = {}
    for prefix in DATES:
        typed_dates[prefix], chosen[prefix], error = _date_from(args, prefix)
        if error:
            errors[prefix] = error
    if chosen["from"] and chosen["to"] and chosen["to"] < chosen["from"]:
        errors["to"] = FilterError("#published-to-day", DATES_OUT_OF_ORDER, PARTS)
        chosen["to"] = None
    text = service.clean_text(args.get("q", ""))
    return FilterForm(
        filters=RegisterFilters(
            text=text,
            directorate_id=known_directorates.get(directorate),
            characteristic=characteristic if characteristic in known_characteristics else "",
            published_from=chosen["from"],
            published_to=chosen["to"],
        ),
        directorates=directorates,
        typed_dates=typed_dates,
        errors=errors,
    )


# ------------------------------------------------------------ the pages

def _pagination(result: RegisterResult, args: dict[str, str]) -> dict | None:
    """GOV.UK pagination: previous, next, the first and last pages, and those
    beside the current one, with ellipses for the gaps."""
    if result.pages <= 1:
        return None

    def href(page: int) -> str:
        return url_for("register.index", **args, page=page)

    around = {1, result.pages, result.page - 1, result.page, result.page + 1}
    shown = sorted(n for n in around if 1 <= n <= result.pages)
    items, last = [], 0
    for number in shown:
        if number > last + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == result.page})
        last = number
    for item in items:
        if "number" in item:
            item["visuallyHiddenText"] = _("Page %(number)d", number=item["number"])
    return {
        "previous": {"href": href(result.page - 1), "text": _("Previous")} if result.page > 1 else None,
        "next": {"href": href(result.page + 1), "text": _("Next")} if result.page < result.pages else None,
        "items": items,
        "landmarkLabel": _("Pages of results"),
    }


@bp.route("/register")
def index():
    form = read_filters(request.args)
    result = service.search(form.filters, page=request.args.get("page", 1, type=int))
    args = form.applied_args()
    return render_template("register/index.html", form=form, result=result, args=args, dates=DATES,
                           pagination=_pagination(result, args),
                           characteristic_choices=characteristics().characteristics, anchor=audit.anchor())


def _not_found():
    title, advice = PAGES[404]
    return render_template("register/not_found.html", title=title, advice=advice), 404


@bp.route("/register/<reference>/v<int:version>")
def assessment(reference: str, version: int):
    found = service.published_version(reference, version)
    if found is None:
        return _not_found()
    return render_template("register/assessment.html", assessment=found, summary=sign_off_summary(found),
                           other_versions=service.other_published_versions(found))


@bp.route("/register/<reference>/v<int:version>.pdf")
def assessment_pdf(reference: str, version: int):
    from eqia.services import version_pdfs

    from eqia.i18n import chosen_language

    found = service.published_version(reference, version)
    if found is None:
        return _not_found()
    # Cached publicly, so the language is in the URL (?lang=cy), never taken from a cookie or the
    # browser: the plain URL is always the English record; anything else asked for is English too.
    language = chosen_language(request.args.get("lang")) or "en"
    return pdf_response(version_pdfs.pdf_to_serve(found, language), public=True)


# ------------------------------------------------------------ the downloads
# The same filters and the same rows as the page, in the same order, every
# page of them. A filter that cannot be understood is refused with the page's
# own words: a program reading the file would not see a message on a page.

EXPORT_FIELDS: tuple[tuple[str, str], ...] = (
    ("reference", "Reference"),
    ("version", "Version"),
    ("title", "Title"),
    ("directorate", "Directorate"),
    ("service", "Service"),
    ("status", "Status"),
    ("decision_date", "Decision date"),
    ("published_on", "Published on"),
    ("published_at", "Published at (UTC)"),
    ("adverse_impacts", "Groups with an adverse impact"),
    ("url", "Summary page"),
)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _refused(form: FilterForm, as_json: bool) -> Response:
    if as_json:
        response = jsonify({"errors": [{"field": f"published_{prefix}", "message": str(e.message)}
                                       for prefix, e in form.errors.items()]})
    else:
        response = Response("\n".join(str(e.message) for e in form.errors.values()) + "\n", mimetype="text/plain")
    response.status_code = 400
    return response


@bp.route("/register.csv")
def as_csv():
    # A download is data, not a page: its headings, values and refusals are in English whatever the page's language.
    with in_language("en"):
        return _as_csv()


def _as_csv():
    form = read_filters(request.args)
    if form.errors:
        return _refused(form, as_json=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading for _, heading in EXPORT_FIELDS])
    for row in service.search(form.filters).rows:
        record = export_record(row)
        writer.writerow([csv_cell(record[key]) for key, _ in EXPORT_FIELDS])
    # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark.
    return public(Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="equality-impact-assessments.csv"'}))


@bp.route("/register.json")
def as_json():
    with in_language("en"):
        return _as_json()


def _as_json():
    form = read_filters(request.args)
    if form.errors:
        return _refused(form, as_json=True)
    result = service.search(form.filters)
    return public(jsonify({"total": result.total, "assessments": [export_record(row) for row in result.rows]}))
