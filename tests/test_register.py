"""The public register: anyone, signed in or not, can see every published EqIA
that is not restricted, filter the list, download the same rows as CSV or JSON,
and read each one's summary and sign-off. Nothing else is ever shown."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import yaml
from bs4 import BeautifulSoup

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.forms.fields import date_missing_parts, date_not_real
from eqia.models import Assessment, AssessmentViewer
from eqia.loaded_definitions import characteristics
from eqia.services import content
from eqia.services.assessments import next_reference
from eqia.services.content import ImpactInput
from eqia.services.public_register import PAGE_SIZE
from eqia.templating import govuk_datetime
from eqia.views.public_register import DATES_OUT_OF_ORDER, EXPORT_FIELDS
from tests.conftest import STANDARD
from tests.test_sign_off import SIGNED_STATEMENT

PUBLIC_STATES = STANDARD.public_states()


# ---------------------------------------------------------------- helpers

def page(client, path: str = "/register", **args) -> BeautifulSoup:
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def listed_rows(soup: BeautifulSoup) -> list[dict[str, str]]:
    """Each result on the register page, top to bottom: its title and what its card says."""
    return [{"Title": card.select_one(".govuk-summary-card__title").get_text(strip=True),
             **{row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
                for row in card.select(".govuk-summary-list__row")}}
            for card in soup.select("#register-results .govuk-summary-card")]


def listed(soup: BeautifulSoup) -> list[str]:
    """The references the register page lists, top to bottom."""
    return [row["Reference"] for row in listed_rows(soup)]


def csv_rows(client, **args) -> list[dict[str, str]]:
    response = client.get("/register.csv", query_string=args)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def json_rows(client, **args) -> list[dict]:
    response = client.get("/register.json", query_string=args)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(body["assessments"])
    return body["assessments"]


def csv_refs(client, **args) -> list[str]:
    return [f"{r['Reference']} v{r['Version']}" for r in csv_rows(client, **args)]


def json_refs(client, **args) -> list[str]:
    return [f"{r['reference']} v{r['version']}" for r in json_rows(client, **args)]


def everywhere(client, **args) -> list[str]:
    """The references on the page, checked to be the same, in the same order, in the CSV and the JSON."""
    on_page = listed(page(client, **args))
    assert csv_refs(client, **args) == on_page
    assert json_refs(client, **args) == on_page
    return on_page


def summary_url(a: Assessment) -> str:
    return f"/register/{a.reference}/v{a.version_number}"


def fresh(a: Assessment) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, a.id)


def published_at(a: Assessment, when: datetime) -> Assessment:
    """Move the moment of publication, as if it had been published then."""
    a = fresh(a)
    a.published_at = when
    db.session.commit()
    return fresh(a)


def with_adverse_impacts(world, a: Assessment, severities: dict[str, str], justification: str = "") -> Assessment:
    """Write the full assessment, then judge the impact on each named group negative;
    with a justification, the outcome is to continue despite it."""
    world.drive(a, "full_assessment")
    a = fresh(a)
    evidence = a.evidence_items[0].id
    # "No major change" cannot stand beside a high adverse impact: adjusting the activity can.
    content.update_outcome(a.id, a.created_by, a.lock_version, ["continue"] if justification else ["adjust"],
                           justification, True)
    for key, severity in severities.items():
        content.update_impact(a.id, a.created_by, fresh(a).lock_version, key, ImpactInput(
            impact="negative", severity=severity, aims=frozenset({"a"}),
            evidence_narrative=f"Fewer hours hit {key} hardest", cited_evidence_ids=frozenset({evidence}),
            no_evidence_reason="", mitigation="Keep a morning session"), True)
    return fresh(a)


def publish(world, title: str, *, adverse: dict[str, str] | None = None, justification: str = "",
            restricted: bool = False, state: str = "published", highways: bool = False,
            **details) -> Assessment:
    """An assessment taken through to publication, in Adult Social Care unless `highways`."""
    a = world.make_assessment(title=title, **details)
    if highways:
        # Moved while it is still being written: the test crew works in Adult Social Care.
        a.directorate_id = world.other_directorate.id
        db.session.commit()
    if restricted:
        # Only its named people may see it, so they are the ones who take it to publication.
        a.restricted = True
        a.viewers = [AssessmentViewer(user_id=u.id) for u in world.crew if u.id != a.created_by_id]
        db.session.commit()
    if adverse:
        a = with_adverse_impacts(world, a, adverse, justification)
    world.drive(a, state)
    return fresh(a)


def published_copies(world, count: int, title: str = "Assessment") -> list[Assessment]:
    """`count` published assessments, for the tests that need more rows than a
    page holds. The first goes through the whole workflow (the services, the
    sign-off and its PDF); the rest are copies of its row under references of their
    own, published a second apart, written in one commit. What the register lists
    comes from the assessment row and its impacts (eqia/services/public_register.py), and
    the first has no adverse impact, so the copies list exactly as it does; taking
    each through the workflow (a PDF rendered at each sign-off) cost about 29 s a test."""
    first = publish(world, f"{title} 0")
    columns = [c.key for c in sa.inspect(Assessment).column_attrs
               if c.key not in {"id", "reference", "title", "previous_version_id"}]
    year = first.created_at.year
    copies = [Assessment(**{key: getattr(first, key) for key in columns},
                         reference=next_reference(year), title=f"{title} {n}")
              for n in range(1, count)]
    for n, copy in enumerate(copies, start=1):
        copy.published_at = first.published_at - timedelta(seconds=n)
    db.session.add_all(copies)
    db.session.commit()
    return [fresh(first)] + [fresh(c) for c in copies]


def ref(a: Assessment) -> str:
    return a.display_reference


# ---------------------------------------------------------------- who is on it

def test_register_lists_exactly_the_public_unrestricted_assessments_in_every_format(client, world):
    by_state = {state: world.make_assessment(state, title=f"Assessment {state}") for state in STANDARD.states
                if state not in ("superseded",)}
    # Superseding publishes a later version of the same reference, which is public.
    superseded = world.make_assessment("superseded", title="Assessment superseded")
    by_state["superseded"] = superseded
    later = fresh(superseded).next_version
    secret = publish(world, "Restructure of the payroll team", restricted=True)
    assert fresh(secret).state == "published" and fresh(secret).restricted

    for state, a in by_state.items():
        assert fresh(a).state == state
    expected = {ref(a) for s, a in by_state.items() if s in PUBLIC_STATES} | {ref(later)}

    on_page = everywhere(client)
    assert set(on_page) == expected
    assert len(on_page) == len(expected)
    assert ref(secret) not in on_page
    assert b"payroll" not in client.get("/register").data
    assert b"payroll" not in client.get("/register.csv").data
    assert b"payroll" not in client.get("/register.json").data


def test_public_states_come_from_the_definition_not_from_state_names(tmp_path, make_app, world):
    """A council that keeps superseded versions on the register marks that state public, and
    nothing else needs to change."""
    first = world.make_assessment("superseded", title="Bin collection rounds")
    second = fresh(first).next_version
    definition = yaml.safe_load((PROJECT_ROOT / "workflows" / "standard.yaml").read_text(encoding="utf-8"))
    definition["states"]["superseded"]["public"] = True
    (tmp_path / "standard.yaml").write_text(yaml.safe_dump(definition), encoding="utf-8")
    shutil.copy(PROJECT_ROOT / "workflows" / "workflow.schema.json", tmp_path)
    app = make_app(EQIA_WORKFLOWS_DIR=str(tmp_path))
    with app.app_context():
        visitor = app.test_client()
        soup = BeautifulSoup(visitor.get("/register").data, "html.parser")
        assert listed(soup) == [ref(second), ref(first)]
        newer = BeautifulSoup(visitor.get(summary_url(second)).data, "html.parser")
        links = [a.get_text(strip=True) for a in newer.select("#versions + ul a")]
        assert links == [ref(first)]


def test_no_sign_in_is_needed_for_any_register_page(client, world):
    a = publish(world, "Library opening hours")
    for path in ("/register", "/register.csv", "/register.json", summary_url(a)):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "/sign-in" not in response.headers.get("Location", "")


def test_a_signed_in_user_sees_the_same_register_as_the_public(client, auth, world):
    a = publish(world, "Library opening hours")
    publish(world, "Payroll restructure", restricted=True)
    anonymous = everywhere(client)
    auth.sign_in(world.admin)
    assert everywhere(client) == anonymous == [ref(a)]


def test_the_register_says_when_nothing_is_published(client, world):
    world.make_assessment("signed_off")
    soup = page(client)
    assert soup.select_one("#results").get_text(strip=True) == "No published assessments"
    assert "Nothing has been published yet." in soup.get_text()
    assert csv_rows(client) == []
    assert json_rows(client) == []


# ---------------------------------------------------------------- the summary page

def test_summary_page_of_a_restricted_published_version_is_not_found(client, auth, world):
    secret = publish(world, "Payroll restructure", restricted=True)
    response = client.get(summary_url(secret))
    assert response.status_code == 404
    assert b"Payroll" not in response.data
    auth.sign_in(world.admin)
    assert client.get(summary_url(secret)).status_code == 404


@pytest.mark.parametrize("state", [s for s in STANDARD.states
                                   if s not in PUBLIC_STATES and s != "superseded"])
def test_summary_page_of_a_version_not_on_the_register_is_not_found(client, world, state):
    a = world.make_assessment(state, title="Not public yet")
    response = client.get(summary_url(a))
    assert response.status_code == 404
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.h1.get_text(strip=True) == "Page not found"
    assert soup.find("a", string="Go to the public register")["href"] == "/register"
    assert "Not public yet" not in soup.get_text()


def test_summary_page_of_a_superseded_version_is_not_found(client, world):
    old = world.make_assessment("superseded", title="Old hours")
    assert client.get(summary_url(old)).status_code == 404
    assert client.get(summary_url(fresh(old).next_version)).status_code == 200


def test_summary_page_of_an_unknown_reference_or_version_is_not_found(client, world):
    a = publish(world, "Library opening hours")
    for path in (f"/register/{a.reference}/v2", f"/register/{a.reference}/v0", "/register/EQIA-1999-0001/v1",
                 f"/register/{a.reference}%00/v1", f"/register/{'X' * 5000}/v1",
                 f"/register/{a.reference}/v{'9' * 30}", f"/register/{a.reference}/v{'9' * 5000}"):
        assert client.get(path).status_code == 404, path[:60]


def test_summary_page_shows_the_details_decision_actions_and_signature(client, world):
    a = publish(world, "Library opening hours", adverse={"age": "high", "disability": "medium"})
    soup = page(client, summary_url(a))
    text = soup.get_text(" ", strip=True)
    assert soup.h1.get_text(strip=True) == "Library opening hours"
    assert soup.select_one(".govuk-caption-l").get_text(strip=True) == ref(a)
    details = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
               for row in soup.select("#details + dl .govuk-summary-list__row")}
    assert details["Directorate"] == "Adult Social Care"
    assert details["Service"] == "Libraries"
    assert details["Aims of the activity"] == "Save money while keeping access"
    assert details["Who is affected"] == "Library users"

    # The decision-maker's summary, as they saw it when they signed.
    assert soup.select_one("#summary-heading").get_text(strip=True) == "Summary for the decision-maker"
    adverse = [[c.get_text(" ", strip=True) for c in tr.select("th, td")]
               for tr in soup.select("#summary-adverse + table tbody tr")]
    assert adverse == [
        ["Age", "High", "Fewer hours hit age hardest", "Keep a morning session"],
        ["Disability", "Medium", "Fewer hours hit disability hardest", "Keep a morning session"],
    ]
    assert "Keep mornings" in text  # consultation theme
    assert "Adjust the activity" in text  # the outcome ("No major change" cannot stand beside a high adverse impact)

    actions = [[c.get_text(" ", strip=True) for c in tr.select("th, td")]
               for tr in soup.select("#action-plan + table tbody tr")]
    due = fresh(a).actions[0].due_date
    assert actions == [["Monitor visits by age", "Sam Lee", f"{due.day} {due:%B %Y}", "Not started"]]

    signature = fresh(a).sign_offs[0]
    card = soup.select_one("#sign-off ~ .govuk-summary-card")
    title = card.select_one(".govuk-summary-card__title").get_text(strip=True)
    assert title == f"Signed by {world.decider.name}"
    rows = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
            for row in card.select(".govuk-summary-list__row")}
    assert rows["Name"] == world.decider.name
    assert rows["Role"] == "Decision-maker"
    assert rows["Signed at"] == govuk_datetime(signature.signed_at)
    assert rows["Statement signed"] == SIGNED_STATEMENT
    assert rows["Content fingerprint (SHA-256)"] == signature.content_hash
    assert len(signature.content_hash) == 64


def test_summary_page_shows_why_the_council_continues_despite_an_adverse_impact(client, world):
    a = publish(world, "Library opening hours", adverse={"age": "high"},
                justification="The saving is needed to keep every branch open; mornings are kept for older readers")
    soup = page(client, summary_url(a))
    outcome = soup.select_one("#summary-outcome").find_next("ul").get_text(" ", strip=True)
    assert outcome == "Continue despite adverse impact"
    justification = soup.select_one("#summary-outcome").find_next("p").get_text(" ", strip=True)
    assert justification == ("Justification for continuing despite adverse impact: The saving is needed to keep "
                             "every branch open; mornings are kept for older readers")


def test_summary_page_of_a_version_due_for_review_says_so(client, world):
    a = publish(world, "Library opening hours", state="review_due")
    soup = page(client, summary_url(a))
    assert soup.select_one("main .govuk-tag").get_text(strip=True) == "Review due"


def test_summary_page_links_back_to_the_register(client, world):
    a = publish(world, "Library opening hours")
    soup = page(client, summary_url(a))
    assert soup.select_one(".govuk-back-link")["href"] == "/register"
    link = page(client).select_one("#register-results .govuk-summary-card__title a")
    assert link.get_text(strip=True) == "Library opening hours"
    assert link["href"] == summary_url(a)


# ---------------------------------------------------------------- the list

def test_register_lists_the_newest_published_first_with_the_fields_a_reader_needs(client, world):
    older = published_at(publish(world, "Older", adverse={"age": "low"}),
                         datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))
    newer = published_at(publish(world, "Newer", highways=True,
                                 planned_decision_date=date.today() + timedelta(days=40)),
                         datetime(2026, 2, 5, 10, 0, tzinfo=timezone.utc))
    rows = listed_rows(page(client))
    decision = fresh(newer).planned_decision_date
    assert rows[0] == {"Title": "Newer", "Reference": ref(newer), "Directorate": "Highways", "Status": "Published",
                       "Decision date": f"{decision.day} {decision:%B %Y}", "Published": "5 February 2026",
                       "Groups with an adverse impact": "None"}
    assert rows[1]["Reference"] == ref(older)
    assert rows[1]["Groups with an adverse impact"] == "Age"


def test_csv_and_json_carry_the_same_fields_as_the_page(app, client, world):
    a = published_at(publish(world, "Library opening hours", adverse={"age": "high", "sex": "low"}),
                     datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc))
    on_page = listed_rows(page(client))[0]
    from_csv = csv_rows(client)[0]
    from_json = json_rows(client)[0]
    assert list(from_csv) == [heading for _, heading in EXPORT_FIELDS]
    assert list(from_json) == sorted(key for key, _ in EXPORT_FIELDS)
    for key, heading in EXPORT_FIELDS:
        value = from_json[key]
        assert from_csv[heading] == ("; ".join(value) if isinstance(value, list) else str(value or "")), key
    assert f"{from_json['reference']} v{from_json['version']}" == on_page["Reference"] == ref(a)
    assert from_json["title"] == on_page["Title"] == "Library opening hours"
    assert from_json["directorate"] == on_page["Directorate"] == "Adult Social Care"
    assert from_json["adverse_impacts"] == ["Age", "Sex"]
    assert on_page["Groups with an adverse impact"] == "Age Sex"
    assert from_json["published_on"] == "2026-03-01"
    assert on_page["Published"] == "1 March 2026"
    assert from_json["published_at"] == "2026-03-01T09:30:00Z"
    decision = fresh(a).planned_decision_date
    assert from_json["decision_date"] == decision.isoformat()
    assert on_page["Decision date"] == f"{decision.day} {decision:%B %Y}"
    assert from_json["status"] == "Published"
    assert from_json["service"] == "Libraries"
    assert from_json["url"] == f"{app.config['EQIA_BASE_URL']}{summary_url(a)}"  # the service's, not the request's


def test_csv_is_a_download_named_for_the_register(client, world):
    publish(world, "Library opening hours")
    response = client.get("/register.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="equality-impact-assessments.csv"'


def test_register_page_links_to_the_downloads_with_its_filters(client, world):
    publish(world, "Library opening hours")
    soup = page(client, q="library", directorate=str(world.directorate.id))
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select("#downloads a")}
    query = f"q=library&directorate={world.directorate.id}"
    assert links == {"CSV (spreadsheet)": f"/register.csv?{query}",
                     "JSON (for programs)": f"/register.json?{query}"}


def test_a_spreadsheet_formula_in_a_title_is_never_run_from_the_csv(client, world):
    publish(world, '=HYPERLINK("https://evil.example","Click")')
    publish(world, "+1+1", service="-2+3", people_affected="@SUM(A1)")
    rows = csv_rows(client)
    titles = sorted(r["Title"] for r in rows)
    assert titles == ["'+1+1", "'=HYPERLINK(\"https://evil.example\",\"Click\")"]
    assert {r["Service"] for r in rows} == {"'-2+3", "Libraries"}
    # The page and the JSON show the title as written.
    assert sorted(r["title"] for r in json_rows(client)) == [
        "+1+1", '=HYPERLINK("https://evil.example","Click")']


def test_the_csv_and_json_hold_every_matching_row_not_one_page(client, world):
    made = published_copies(world, PAGE_SIZE + 2)
    soup = page(client)
    assert len(listed(soup)) == PAGE_SIZE
    assert soup.select_one("#results").get_text(strip=True) == f"{PAGE_SIZE + 2} published assessments"
    assert len(csv_rows(client)) == len(json_rows(client)) == PAGE_SIZE + 2
    second = page(client, page="2")
    assert listed(soup) + listed(second) == csv_refs(client) == json_refs(client)
    assert set(csv_refs(client)) == {ref(a) for a in made}


def test_register_pages_its_results_with_govuk_pagination(client, world):
    published_copies(world, PAGE_SIZE + 1)
    first = page(client, q="assessment")
    assert first.select_one("#results + p").get_text(strip=True) == \
        f"Showing 1 to {PAGE_SIZE} of {PAGE_SIZE + 1}, newest published first."
    nav = first.select_one("nav.govuk-pagination")
    assert nav.select_one(".govuk-pagination__item--current a").get_text(strip=True) == "1"
    assert nav.select_one(".govuk-pagination__next a")["href"] == "/register?q=assessment&page=2"
    assert nav.select_one(".govuk-pagination__prev") is None
    last = page(client, q="assessment", page="2")
    assert len(listed(last)) == 1
    assert last.select_one(".govuk-pagination__prev a")["href"] == "/register?q=assessment&page=1"
    # A page past the end, or one that is not a number, shows a real page.
    assert listed(page(client, q="assessment", page="99")) == listed(last)
    assert listed(page(client, q="assessment", page="nope")) == listed(first)
    assert listed(page(client, q="assessment", page="-3")) == listed(first)


# ---------------------------------------------------------------- the filters

def test_search_finds_text_in_the_reference_title_service_aims_and_who_is_affected(client, world):
    by_title = publish(world, "Mobile library redesign")
    by_service = publish(world, "Opening hours", service="Leisure centres")
    by_aims = publish(world, "Fees", aims="Protect the swimming lessons budget")
    by_people = publish(world, "Parking", people_affected="Blue Badge holders")
    publish(world, "Something else")
    assert everywhere(client, q="MOBILE LIBRARY") == [ref(by_title)]
    assert everywhere(client, q="leisure") == [ref(by_service)]
    assert everywhere(client, q="swimming") == [ref(by_aims)]
    assert everywhere(client, q="blue badge") == [ref(by_people)]
    assert everywhere(client, q=by_aims.reference) == [ref(by_aims)]
    assert page(client, q="  blue badge ").select_one("#q")["value"] == "blue badge"


def test_search_treats_like_wildcards_as_plain_characters(client, world):
    percent = publish(world, "Fees up 10% for hire")
    underscore = publish(world, "Room_booking")
    publish(world, "Fees up 100 pounds")
    publish(world, "Roomsbooking")
    assert everywhere(client, q="10%") == [ref(percent)]
    assert everywhere(client, q="m_b") == [ref(underscore)]
    assert everywhere(client, q="%") == [ref(percent)]
    assert everywhere(client, q="\\") == []


def test_search_is_capped_at_200_characters(client, world):
    a = publish(world, "Library opening hours")
    long_query = "Library opening hours" + " " * 300 + "x" * 100
    assert everywhere(client, q=long_query) == [ref(a)]
    assert len(page(client, q=long_query).select_one("#q")["value"]) <= 200


def test_directorate_filter_shows_only_that_directorate(client, world):
    adults = publish(world, "Day centres")
    roads = publish(world, "Gritting routes", highways=True)
    assert everywhere(client, directorate=str(world.other_directorate.id)) == [ref(roads)]
    assert everywhere(client, directorate=str(world.directorate.id)) == [ref(adults)]
    soup = page(client, directorate=str(world.other_directorate.id))
    assert soup.select_one("#directorate option[selected]").get_text(strip=True) == "Highways"


@pytest.mark.parametrize("value", ["", "abc", "99999", "-1", "1.5", "²", "٣", "9" * 5000, "1 OR 1=1", "\x00"])
def test_an_unknown_directorate_is_ignored(client, world, value):
    a = publish(world, "Day centres")
    assert everywhere(client, directorate=value) == [ref(a)]
    assert page(client, directorate=value).select("#directorate option[selected]") == []


def test_characteristic_filter_shows_assessments_with_an_adverse_impact_on_that_group(client, world):
    age = publish(world, "Bus passes", adverse={"age": "high"})
    both = publish(world, "Day centres", adverse={"age": "low", "disability": "high"})
    publish(world, "Street lights")
    assert everywhere(client, characteristic="disability") == [ref(both)]
    assert everywhere(client, characteristic="age") == [ref(both), ref(age)]
    assert everywhere(client, characteristic="race") == []
    none = page(client, characteristic="race")
    assert none.select_one("#results").get_text(strip=True) == "No published assessments match your filters"
    soup = page(client, characteristic="disability")
    assert soup.select_one("#characteristic option[selected]").get_text(strip=True) == "Disability"
    # Every configured group can be chosen.
    options = [o["value"] for o in soup.select("#characteristic option")][1:]
    assert options == [c.key for c in characteristics().characteristics]


def test_an_unknown_characteristic_is_ignored(client, world):
    a = publish(world, "Bus passes", adverse={"age": "high"})
    b = publish(world, "Street lights")
    for value in ("martians", "AGE", "age' OR '1'='1", "<script>", "\x00age"):
        assert everywhere(client, characteristic=value) == [ref(b), ref(a)]


def test_published_date_filters_use_london_dates(client, world):
    # 30 June 23:30 UTC is 1 July 00:30 in London (British Summer Time).
    july_first = published_at(publish(world, "Just after midnight"),
                              datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc))
    june = published_at(publish(world, "In June"), datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc))
    winter = published_at(publish(world, "In winter"), datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc))
    july = {"from-day": "1", "from-month": "7", "from-year": "2026"}
    to_june = {"to-day": "30", "to-month": "6", "to-year": "2026"}
    assert everywhere(client, **july) == [ref(july_first)]
    assert everywhere(client, **to_june) == [ref(june), ref(winter)]
    assert everywhere(client, **{"from-day": "15", "from-month": "6", "from-year": "2026"},
                      **{"to-day": "15", "to-month": "6", "to-year": "2026"}) == [ref(june)]
    assert everywhere(client, **{"to-day": "31", "to-month": "12", "to-year": "9999"}) == \
        [ref(july_first), ref(june), ref(winter)]
    assert listed_rows(page(client, **july))[0]["Published"] == "1 July 2026"
    soup = page(client, **july)
    assert typed_date(soup, "from") == ["1", "7", "2026"]


def test_filters_combine(client, world):
    match = publish(world, "Bus passes", adverse={"age": "high"}, highways=True)
    publish(world, "Bus stops", adverse={"age": "high"})
    publish(world, "Bus lanes", highways=True)
    assert everywhere(client, q="bus", characteristic="age", directorate=str(world.other_directorate.id)) == \
        [ref(match)]


# ---------------------------------------------------------------- what a visitor might get wrong

def typed_date(soup: BeautifulSoup, prefix: str) -> list[str]:
    return [soup.select_one(f"#published-{prefix}-{part}")["value"] for part in ("day", "month", "year")]


def date_errors(soup: BeautifulSoup) -> tuple[list[tuple[str, str]], dict[str, str]]:
    summary = [(a.get_text(strip=True), a["href"]) for a in soup.select(".govuk-error-summary__list a")]
    fields = {fs: soup.select_one(f"#published-{fs}-error").get_text(" ", strip=True)
              for fs in ("from", "to") if soup.select_one(f"#published-{fs}-error")}
    return summary, fields


def test_a_date_that_is_not_real_is_shown_with_its_error_and_left_out(client, world):
    a = published_at(publish(world, "Library opening hours"), datetime(2026, 3, 1, tzinfo=timezone.utc))
    soup = page(client, **{"from-day": "31", "from-month": "2", "from-year": "2026"})
    summary, fields = date_errors(soup)
    assert summary == [(date_not_real("Published from date"), "#published-from-day")]
    assert fields == {"from": "Error: " + date_not_real("Published from date")}
    assert soup.title.get_text().startswith("Error: ")
    assert typed_date(soup, "from") == ["31", "2", "2026"]
    assert "govuk-input--error" in soup.select_one("#published-from-day")["class"]
    assert listed(soup) == [ref(a)]


def test_a_date_with_a_part_missing_says_which(client, world):
    publish(world, "Library opening hours")
    soup = page(client, **{"to-day": "4", "to-month": "", "to-year": ""})
    summary, fields = date_errors(soup)
    assert summary == [(date_missing_parts("Published to date", ["month", "year"]), "#published-to-month")]
    assert fields == {"to": "Error: Published to date must include a month and year"}
    assert "govuk-input--error" not in soup.select_one("#published-to-day")["class"]
    assert "govuk-input--error" in soup.select_one("#published-to-year")["class"]


def test_dates_in_the_wrong_order_are_refused(client, world):
    publish(world, "Library opening hours")
    soup = page(client, **{"from-day": "2", "from-month": "3", "from-year": "2026",
                           "to-day": "1", "to-month": "3", "to-year": "2026"})
    summary, fields = date_errors(soup)
    assert DATES_OUT_OF_ORDER == "Published to date must be the same as or after the published from date"
    assert summary == [(DATES_OUT_OF_ORDER, "#published-to-day")]
    assert fields == {"to": "Error: " + DATES_OUT_OF_ORDER}


@pytest.mark.parametrize("parts", [
    ("x", "y", "z"), ("1", "1", "999"), ("1", "1", "10000"), ("0", "1", "2026"), ("1", "13", "2026"),
    ("²", "1", "2026"), ("1", "1", "9" * 5000), ("1", "1", "20x6"), ("-1", "1", "2026"), ("1.5", "1", "2026"),
])
def test_a_bad_date_never_breaks_the_page_or_the_downloads(client, world, parts):
    a = publish(world, "Library opening hours")
    args = dict(zip(("from-day", "from-month", "from-year"), parts))
    soup = page(client, **args)
    summary, _ = date_errors(soup)
    assert summary == [(date_not_real("Published from date"), "#published-from-day")]
    assert listed(soup) == [ref(a)]
    refused = client.get("/register.csv", query_string=args)
    assert refused.status_code == 400
    assert refused.mimetype == "text/plain"
    assert refused.get_data(as_text=True) == date_not_real("Published from date") + "\n"
    refused = client.get("/register.json", query_string=args)
    assert refused.status_code == 400
    assert refused.get_json() == {"errors": [{"field": "published_from",
                                              "message": date_not_real("Published from date")}]}


HOSTILE = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' OR '1'='1' --",
    "'; DROP TABLE assessment; --",
    "file:///etc/passwd",
    "x" * 100_000,
    "Library\x00",
    "\x00",
    "%00",
    "{{ 7*7 }}",
    "\u202eLibrary",
    "😀",
]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_filter_input_never_breaks_the_register(client, world, value):
    publish(world, "Library opening hours")
    args = {"q": value, "directorate": value, "characteristic": value, "page": value,
            **{f"{p}-{part}": value for p in ("from", "to") for part in ("day", "month", "year")}}
    for path in ("/register", "/register.csv", "/register.json"):
        response = client.get(path, query_string=args)
        assert response.status_code in (200, 400), (path, response.status_code)
        body = response.get_data(as_text=True)
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body
    # Nothing typed is echoed back at more than the length the filter uses.
    everything = page(client, **args)
    assert max(len(i.get("value", "")) for i in everything.select("input")) <= 200
    soup = page(client, q=value)
    assert soup.select_one("#q")["value"] == value.replace("\x00", "").strip()[:200].strip()
    assert client.get("/register.json", query_string={"q": value}).status_code == 200


def test_a_hostile_search_is_shown_escaped(client, world):
    publish(world, "Library opening hours")
    response = client.get("/register", query_string={"q": "<script>alert(1)</script>"})
    assert b"<script>alert(1)</script>" not in response.data
    shown = BeautifulSoup(response.data, "html.parser").select_one("#q")["value"]
    assert shown == "<script>alert(1)</script>"


def test_sql_in_the_search_is_only_text(client, world):
    publish(world, "Library opening hours")
    assert everywhere(client, q="' OR '1'='1") == []
    assert everywhere(client, q="'; DROP TABLE assessment; --") == []
    assert db.session.query(Assessment).count() == 1


def test_register_pages_carry_the_security_headers(client, world):
    a = publish(world, "Library opening hours")
    for path in ("/register", summary_url(a)):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/register.json").headers["X-Content-Type-Options"] == "nosniff"
