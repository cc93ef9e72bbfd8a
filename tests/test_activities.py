"""The activity register and its coverage (issue 18): the services, through a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from eqia.audit_words import words
from eqia.extensions import db
from eqia.models import Activity, ActivityAssessment, AuditEvent
from eqia.services import activities, activity_import
from eqia.services.activities import CURRENT, NOT_ASSESSED, OUT_OF_DATE, UNDER_WAY, Filters
from eqia.services.errors import Forbidden, Invalid, NotPossible
from tests.test_my_actions import Queries
from tests.conftest import work_out_figures

TODAY = date(2027, 1, 15)


def fields(world, **overrides) -> dict:
    values = {"name": "Home to school transport policy", "kind": "policy", "directorate_id": world.directorate.id,
              "owner": "Transport team", "relevance": "high", "needs_assessment": "yes",
              "assess_by": date(2027, 3, 31), "notes": ""}
    values.update(overrides)
    return values


def add(world, user=None, **overrides) -> Activity:
    made = activities.add(user or world.lead, fields(world, **overrides))
    db.session.commit()
    return made


def events(change: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == f"programme:{change}")
                                   .order_by(AuditEvent.seq)).scalars())


def refused(call) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        call()
    db.session.rollback()
    return [(p.field, p.message) for p in caught.value.problems]


# ------------------------------------------------------------------ keeping the register
def test_a_lead_adds_an_activity_on_the_record_and_hostile_text_is_kept_as_written(world):
    hostile = "<script>alert(1)</script> ' OR 1=1 -- file:///etc/passwd"
    made = add(world, name=hostile, owner="Robert'); DROP TABLE activity;--")
    db.session.expire_all()
    stored = db.session.get(Activity, made.id)
    assert (stored.name, stored.owner, stored.needs_assessment, stored.assess_by) == (
        hostile, "Robert'); DROP TABLE activity;--", True, date(2027, 3, 31))
    [event] = events(activities.ACTIVITY_ADDED)
    assert (event.kind, event.details, event.role) == ("programme", {"change": "activity_added", "activity": made.id,
                                                                     "name": hostile}, "equality_lead")
    assert str(words(event)) == f"Activity added to the register: {hostile}"


def test_every_problem_with_an_activity_is_said_at_once_and_nothing_is_written(world):
    problems = refused(lambda: activities.add(world.lead, {"name": " ", "kind": "nonsense", "directorate_id": 0,
                                                           "relevance": "vital", "needs_assessment": "maybe"}))
    assert problems == [("name", activities.NAME_MISSING), ("kind", activities.KIND_MISSING),
                        ("directorate_id", activities.DIRECTORATE_MISSING),
                        ("relevance", activities.RELEVANCE_MISSING), ("needs_assessment", activities.NEEDS_MISSING)]
    assert refused(lambda: activities.add(world.lead, fields(world, name="x" * 201, owner="y" * 201,
                                                             notes="z" * 10_001))) == [
        ("name", activities.NAME_TOO_LONG), ("owner", activities.OWNER_TOO_LONG), ("notes", activities.NOTES_TOO_LONG)]
    assert refused(lambda: activities.add(world.lead, fields(world, name="Null\x00byte"))) == [
        ("name", "Remove the null character (\\0) from this answer: it cannot be stored")]
    assert refused(lambda: activities.add(world.lead, fields(world, relevance="none"))) == [
        ("needs_assessment", activities.NOT_RELEVANT_NEEDS_NONE)]
    for forged in ("1", True, 2**40, None):
        assert ("directorate_id", activities.DIRECTORATE_MISSING) in refused(
            lambda: activities.add(world.lead, fields(world, directorate_id=forged)))
    assert db.session.execute(sa.select(sa.func.count()).select_from(Activity)).scalar_one() == 0
    assert events(activities.ACTIVITY_ADDED) == []


def test_a_name_is_unique_in_its_directorate_whatever_its_case_and_free_again_once_retired(world):
    first = add(world, name="Library opening hours")
    assert refused(lambda: activities.add(world.lead, fields(world, name="LIBRARY OPENING HOURS"))) == [
        ("name", activities.NAME_TAKEN)]
    add(world, name="library opening hours", directorate_id=world.other_directorate.id)
    activities.retire(world.lead, first)
    db.session.commit()
    again = add(world, name="Library opening hours")
    assert again.id != first.id
    with pytest.raises(NotPossible):
        activities.retire(world.lead, db.session.get(Activity, first.id))
    with pytest.raises(NotPossible):
        activities.change(world.lead, db.session.get(Activity, first.id), fields(world, name="Renamed"))


def test_a_retired_directorate_is_refused_for_a_new_activity_but_kept_by_one_that_has_it(world):
    from eqia.admin import directorates

    kept = add(world)
    directorates.retire_directorate(world.admin, world.directorate)
    db.session.commit()
    assert refused(lambda: activities.add(world.lead, fields(world, name="Another"))) == [
        ("directorate_id", activities.DIRECTORATE_NOT_LIVE)]
    activities.change(world.lead, kept, fields(world, owner="Someone else"))
    db.session.commit()
    assert db.session.get(Activity, kept.id).owner == "Someone else"


def test_a_change_records_the_fields_it_changed_and_no_change_records_nothing(world):
    made = add(world)
    activities.change(world.admin, made, fields(world, owner="Head of Transport", needs_assessment="no",
                                                relevance="low"))
    db.session.commit()
    [event] = events(activities.ACTIVITY_CHANGED)
    assert event.details["fields"] == ["assess_by", "needs_assessment", "owner", "relevance"]
    assert event.role == "admin"
    assert str(words(event)) == ("Activity Home to school transport policy changed: assess by, whether it needs an "
                                 "assessment, owner, relevance")
    # No longer needing an assessment, it keeps no date to be assessed by.
    assert db.session.get(Activity, made.id).assess_by is None
    activities.change(world.admin, db.session.get(Activity, made.id),
                      fields(world, owner="Head of Transport", needs_assessment="no", relevance="low"))
    db.session.commit()
    assert len(events(activities.ACTIVITY_CHANGED)) == 1


@pytest.mark.parametrize("who", ["author", "decider"])
def test_only_leads_and_admins_keep_or_read_the_register(world, who):
    user = getattr(world, who)
    made = add(world)
    for call in (lambda: activities.add(user, fields(world, name="Other")),
                 lambda: activities.change(user, made, fields(world)),
                 lambda: activities.retire(user, made),
                 lambda: activities.link(user, made, "EQIA-2026-0001"),
                 lambda: activities.coverage(user),
                 lambda: activities.page_of_activities(user, Filters(), 1),
                 lambda: activities.view(user, made.id),
                 lambda: activity_import.import_csv(user, b"name\n")):
        with pytest.raises(Forbidden):
            call()


# ------------------------------------------------------------------ linking assessments
def test_an_assessment_is_linked_by_its_reference_once_and_to_one_activity(world):
    made, other = add(world), add(world, name="Parking charges")
    assessment = world.make_assessment()
    activities.link(world.lead, made, f"  {assessment.reference.lower()} ")
    db.session.commit()
    assert activities.activity_of(assessment.reference).id == made.id
    assert refused(lambda: activities.link(world.lead, made, assessment.reference)) == [
        ("reference", activities.ALREADY_LINKED_HERE)]
    assert refused(lambda: activities.link(world.lead, other, assessment.reference)) == [
        ("reference", f"{assessment.reference} already assesses \u201cHome to school transport policy\u201d: "
                      "unlink it there first")]
    assert refused(lambda: activities.link(world.lead, other, "")) == [("reference", activities.REFERENCE_MISSING)]
    assert refused(lambda: activities.link(world.lead, other, "EQIA-1999-9999' OR 1=1")) == [
        ("reference", "There is no assessment with the reference EQIA-1999-9999' OR 1=1")]
    assert refused(lambda: activities.link(world.lead, other, "x" * 5000))[0][0] == "reference"
    [event] = events(activities.ASSESSMENT_LINKED)
    assert str(words(event)) == f"{assessment.reference} linked to the activity Home to school transport policy"
    with pytest.raises(NotPossible):
        activities.unlink(world.lead, other, assessment.reference)
    db.session.rollback()
    activities.unlink(world.lead, db.session.get(Activity, made.id), assessment.reference)
    db.session.commit()
    assert db.session.get(ActivityAssessment, assessment.reference) is None
    assert len(events(activities.ASSESSMENT_UNLINKED)) == 1


# ------------------------------------------------------------------ coverage
@pytest.fixture
def programme(world):
    """Activities covered every way there is, in two directorates."""
    made = {}

    def activity(key: str, state: str | None, directorate=None, **overrides):
        made[key] = add(world, name=key, directorate_id=(directorate or world.directorate).id, **overrides)
        if state is not None:
            assessment = world.make_assessment(None if state == "screening" else state, title=key)
            activities.link(world.lead, made[key], assessment.reference)
            db.session.commit()
            made[key + " eqia"] = assessment
        return made[key]

    activity("published", "published")
    activity("screened out", "screened_out")
    activity("review due", "review_due")
    activity("superseded, then published again", "superseded")
    activity("in full assessment", "full_assessment", world.other_directorate)
    activity("in screening", "screening", world.other_directorate)
    activity("withdrawn", "withdrawn", world.other_directorate, assess_by=date(2026, 1, 1))
    activity("never assessed", None, world.other_directorate, assess_by=date(2027, 12, 31))
    activity("not needed", None, needs_assessment="no", relevance="low")
    retired = activity("retired", None)
    activities.retire(world.lead, retired)
    db.session.commit()
    work_out_figures()
    return made


EXPECTED = {"published": CURRENT, "screened out": CURRENT, "review due": OUT_OF_DATE,
            "superseded, then published again": CURRENT, "in full assessment": UNDER_WAY,
            "in screening": UNDER_WAY, "withdrawn": NOT_ASSESSED, "never assessed": NOT_ASSESSED,
            "not needed": None}


def test_each_activity_is_covered_as_its_assessments_versions_say(world, programme):
    for key, expected in EXPECTED.items():
        assert activities.view(world.lead, programme[key].id).coverage == expected, key
    # The superseded version's successor is the one that counts.
    superseded = programme["superseded, then published again eqia"]
    linked = activities.view(world.lead, programme["superseded, then published again"].id).linked
    assert [(item.reference, item.latest.version_number, item.latest.state) for item in linked] == [
        (superseded.reference, 2, "published")]


def test_the_coverage_figures_match_a_direct_count_and_the_lists_behind_them(world, programme):
    found = activities.coverage(world.lead, on=TODAY)
    by_directorate = {row.directorate.name: row.counts for row in found.rows}
    # Counted here another way: each relevant, live activity's own page says how it is covered.
    direct: dict[str, dict[str, int]] = {}
    for activity in db.session.execute(sa.select(Activity)).scalars():
        if activity.retired or not activity.needs_assessment:
            continue
        code = activities.view(world.lead, activity.id).coverage
        counts = direct.setdefault(activity.directorate.name, dict.fromkeys(activities.COVERAGE, 0))
        counts[code] += 1
    assert by_directorate == direct == {
        "Adult Social Care": {CURRENT: 3, OUT_OF_DATE: 1, UNDER_WAY: 0, NOT_ASSESSED: 0},
        "Highways": {CURRENT: 0, OUT_OF_DATE: 0, UNDER_WAY: 2, NOT_ASSESSED: 2}}
    assert found.total.counts == {CURRENT: 3, OUT_OF_DATE: 1, UNDER_WAY: 2, NOT_ASSESSED: 2}
    assert found.total.relevant == 8
    assert found.late == 1  # "withdrawn": to be assessed by 1 January 2026, and nothing current
    for row in found.rows:
        for code, number in row.counts.items():
            listed = activities.page_of_activities(world.lead, Filters(directorate_id=row.directorate.id,
                                                                       coverage=code), 1, on=TODAY)
            assert listed.total == number
            assert {r.coverage for r in listed.items} <= {code}
    late = activities.page_of_activities(world.lead, Filters(late=True), 1, on=TODAY)
    assert [r.activity.name for r in late.items] == ["withdrawn"]
    everything = activities.page_of_activities(world.lead, Filters(), 1, on=TODAY)
    assert everything.total == 9  # the live ones, the one needing no assessment too
    assert [r.activity.name for r in activities.page_of_activities(world.lead, Filters(retired=True), 1).items] == [
        "retired"]
    assert [r.activity.name for r in activities.page_of_activities(
        world.lead, Filters(search="SUPERSEDED"), 1).items] == ["superseded, then published again"]
    assert activities.page_of_activities(world.lead, Filters(search="100%_\\"), 1).total == 0


def test_the_filters_from_a_url_ignore_what_means_nothing():
    chosen = activities.filters_from({"directorate": "99999999999", "coverage": "'; DROP", "late": "1",
                                      "q": "  a\x00b  ", "retired": "no"})
    assert chosen == Filters(directorate_id=None, coverage=None, late=False, search="ab", retired=False)
    assert activities.filters_from({"directorate": "7", "coverage": "current", "late": "yes"}).args() == {
        "directorate": 7, "coverage": "current", "late": "yes"}


def test_coverage_and_a_page_of_the_register_ask_the_same_number_of_queries_however_large(world):
    def counted() -> tuple[int, int]:
        db.session.expire_all()
        with Queries() as coverage:
            activities.coverage(world.lead, on=TODAY)
        with Queries() as listing:
            page = activities.page_of_activities(world.lead, Filters(), 1, on=TODAY)
            [row.directorate for row in page.items]
        return coverage.count, listing.count

    for n in range(3):
        made = add(world, name=f"Activity {n}")
        activities.link(world.lead, made, world.make_assessment(title=f"Assessment {n}").reference)
        db.session.commit()
    few = counted()
    for n in range(3, 40):
        made = add(world, name=f"Activity {n}", directorate_id=(world.directorate if n % 2 else
                                                                world.other_directorate).id)
        if n % 5 == 0:
            activities.link(world.lead, made, world.make_assessment(title=f"Assessment {n}").reference)
            db.session.commit()
    assert counted() == few


# ------------------------------------------------------------------ importing from a spreadsheet
GOOD = ("\ufeffName,Directorate,Kind,Relevance,Needs an EqIA,Assess by,Owner,Notes\r\n"
        "Home to school transport,adult social care,Policy,High,yes,2027-03-31,Transport team,\r\n"
        "Parking charges,HIGHWAYS,budget,medium,Ie,31/12/2027,,\"Notes, with a comma\"\r\n"
        ",,,,,,,\r\n"
        "Staff car scheme,Highways,Employment policy or restructure,Not relevant,no,,HR,\r\n")


def test_a_spreadsheet_of_activities_is_imported_whole(world):
    assert activity_import.import_csv(world.lead, GOOD.encode()) == 3
    db.session.commit()
    stored = {a.name: a for a in db.session.execute(sa.select(Activity)).scalars()}
    assert sorted(stored) == ["Home to school transport", "Parking charges", "Staff car scheme"]
    parking = stored["Parking charges"]
    assert (parking.directorate_id, parking.kind, parking.relevance, parking.needs_assessment, parking.assess_by,
            parking.notes) == (world.other_directorate.id, "budget", "medium", True, date(2027, 12, 31),
                               "Notes, with a comma")
    assert (stored["Staff car scheme"].kind, stored["Staff car scheme"].needs_assessment) == ("employment", False)
    [event] = events(activities.ACTIVITIES_IMPORTED)
    assert str(words(event)) == "3 activities imported into the register"
    # The same file again adds nothing: every row names an activity the register has.
    problems = refused(lambda: activity_import.import_csv(world.lead, GOOD.encode()))
    assert problems[0][1].startswith("Row 2, column \u201cname\u201d: This directorate already has an activity")
    assert len(problems) == 3


@pytest.mark.parametrize("data, expected", [
    (b"", [activity_import.FILE_EMPTY]),
    (b"\xff\xfeN\x00a\x00", [activity_import.FILE_NOT_TEXT]),
    (b"name,directorate\n", ["Row 1 must name the columns name, directorate, kind, relevance, needs_eqia; it has no "
                             "kind, relevance, needs_eqia"]),
    (b"name,directorate,kind,relevance,needs_eqia,colour\n",
     ["Row 1: \u201ccolour\u201d is not a column the register has. The columns are: name, directorate, kind, "
      "relevance, needs_eqia, owner, assess_by, notes"]),
    (b"name,directorate,kind,relevance,needs_eqia,name\nA,Highways,policy,high,yes,B\n",
     ["Row 1: the column \u201cname\u201d is named twice"]),
    (b"name,directorate,kind,relevance,needs_eqia\n", [activity_import.NO_ROWS]),
    (b"x" * (activity_import.MAX_BYTES + 1), [activity_import.FILE_TOO_BIG]),
    ("name,directorate,kind,relevance,needs_eqia,assess_by\n"
     "<b>Bold</b>,Nowhere,policy,high,yes,31/02/2027\n"
     ",Highways,dance,urgent,perhaps,\n"
     "Twice,Highways,policy,high,yes,\n"
     "twice,Highways,policy,high,yes,\n"
     "Irrelevant,Highways,policy,none,yes,\n".encode(),
     ["Row 2, column \u201cdirectorate\u201d: there is no directorate in use called \u201cNowhere\u201d",
      "Row 2, column \u201cassess_by\u201d: enter a date such as 2027-03-31 or 31/03/2027",
      "Row 3, column \u201cname\u201d: Enter the name of the activity",
      "Row 3, column \u201ckind\u201d: Select what kind of activity it is",
      "Row 3, column \u201crelevance\u201d: Select how relevant the activity is to equality",
      "Row 3, column \u201cneeds_eqia\u201d: Select whether the activity needs an equality impact assessment",
      "Row 5, column \u201cname\u201d: the same activity as row 4",
      "Row 6, column \u201cneeds_eqia\u201d: An activity that is not relevant to equality does not need an "
      "assessment: change its relevance, or say it does not need one"]),
])
def test_a_malformed_spreadsheet_is_refused_by_row_and_column_and_nothing_is_written(world, data, expected):
    assert [message for _, message in refused(lambda: activity_import.import_csv(world.lead, data))] == expected
    assert db.session.execute(sa.select(sa.func.count()).select_from(Activity)).scalar_one() == 0
    assert events(activities.ACTIVITIES_IMPORTED) == []


def test_a_spreadsheet_with_many_problems_shows_the_first_and_counts_the_rest(world):
    data = "name,directorate,kind,relevance,needs_eqia\n" + "A,Nowhere,policy,high,yes\n" * 40
    problems = refused(lambda: activity_import.import_csv(world.lead, data.encode()))
    assert len(problems) == activity_import.PROBLEMS_SHOWN + 1
    assert problems[-1][1] == "and 10 more problems: correct these, then import the file again"
    too_many = "name,directorate,kind,relevance,needs_eqia\n" + "".join(
        f"A{n},Highways,policy,high,yes\n" for n in range(activity_import.MAX_ROWS + 1))
    assert [m for _, m in refused(lambda: activity_import.import_csv(world.lead, too_many.encode()))] == [
        activity_import.TOO_MANY_ROWS]


def test_a_date_to_be_assessed_by_is_kept_only_for_an_activity_that_needs_an_assessment(world):
    made = add(world, needs_assessment="no", relevance="low", assess_by=date(2027, 5, 1))
    assert db.session.get(Activity, made.id).assess_by is None
    assert activities.view(world.lead, made.id).coverage is None
