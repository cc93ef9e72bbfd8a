"""Realistic volume for measuring the lead's dashboards: `flask eqia seed --assessments N`.

Making each of 50,000 EqIAs through the services would take days (a published one
renders its PDF and takes seconds), so the command makes one *prototype* of each
shape (a state of the workflow, or a pair of versions) through the same services a
user's clicks go through, so each is as the services make it, then copies their
rows in bulk with SQLAlchemy Core, chunk by chunk: new ids, references, titles,
directorates, authors, programmes, impacts, due dates and dates.

What the services record stays consistent, so `flask eqia verify-audit` and
`flask eqia verify-sign-offs` pass after seeding:
- each copy's trail is its prototype's first event, transitions, signatures and
  progress updates (not every edit), appended to the one hash chain through the chain's own hash and seal
  (eqia.services.audit), in order;
- a signed copy's sign-off holds the content record of the copy itself (the
  prototype's record with the values that were varied put in), hashed as
  eqia.services.record hashes it, and its signature event vouches for that hash.

Not copied: rendered PDFs (a copy's PDF is made when asked), notifications and
outbox messages, viewers, objective tags. The activities are added as an import
is, with one `activities_imported` event a chunk; their links are not each an event.

The command commits once per chunk (CHUNK families of copies), not once in all:
a bulk load of 50,000 in one transaction would hold every row in memory and
lock the chain head for minutes. A run stopped halfway leaves whole chunks,
each consistent.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import Table, func, insert, inspect, select, text

from eqia.assessments.sections import completion_key
from eqia.assessments.shape import ACTION_PLAN, CHARACTERISTICS, REGISTER
from eqia.audit_words import SIGNATURE
from eqia.extensions import db
from eqia.local_time import LOCAL_ZONE
from eqia.models import (Activity, ActivityAssessment, Assessment, AuditEvent, Directorate, ReferenceCounter, User,
                         utcnow)
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.services.audit import BROKEN, SEALED, compute_hash, locked_head, seal_for, seal_state
from eqia.services.figure_refresh import tidy, work_out
from eqia.services.record import canonical, digest

SEED_DOMAIN = "seed.example"
# Printed on purpose, like the demo's: seeded volume is for measuring, never a live service.
SEED_PASSWORD = "seeded-volume-pass"
PROTOTYPE_PREFIX = "Seeded prototype: "
CHUNK = 500  # families copied per commit

DIRECTORATES = (
    "Adult Social Care and Health", "Children, Young People and Education", "Growth, Environment and Transport",
    "Chief Executive's Department", "Deputy Chief Executive's Department", "Public Health",
    "Housing and Communities", "Finance and Corporate Services",
)
PROGRAMMES = ("", "", "", "Budget savings 2026-27", "Budget savings 2027-28", "Transforming adult care",
              "Libraries review", "Home to school transport review", "Waste strategy 2030")
SUBJECTS = ("Day opportunities", "Community meals", "Charging policy", "Street lighting", "Recycling centres",
            "Library opening hours", "Youth services", "Bus subsidies", "Parking charges", "Leisure centres",
            "Home care contracts", "Children's centres", "Housing allocations", "Council tax support",
            "Staff travel policy", "Grounds maintenance", "Digital access to services", "Adult learning")
VERBS = ("Review of", "Recommissioning of", "Changes to", "Savings proposal:", "New policy on", "Restructure of")

# Each shape: how many copies in a hundred, and how the prototype is made (below).
SHAPES = {
    "screening": 10, "full_assessment": 12, "challenge": 6, "awaiting_sign_off": 4, "signed_off": 6,
    "published": 30, "screened_out": 15, "review_due": 7, "superseded": 6, "review_started": 4,
}
SIGNED_SHAPES = {"signed_off", "published", "review_due", "superseded", "review_started"}


class NotMigrated(Exception):
    """The database has no schema yet."""


@dataclass
class People:
    authors: list[User]
    leads: list[User]
    deciders: list[User]
    admin: User


@dataclass
class SeedReport:
    families: int = 0
    versions: int = 0
    events: int = 0
    activities: int = 0
    plans: int = 0
    by_state: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def check_migrated() -> None:
    tables = set(inspect(db.engine).get_table_names())
    if not {"assessment", "audit_event", "activity", "alembic_version"} <= tables:
        raise NotMigrated("The database has no schema (or an old one): run `flask db upgrade` first.")


# ------------------------------------------------------------------ people and directorates
def _people(count: int) -> People:
    """Directorates and users of each role, made once and found again on a later run."""
    directorates = []
    for name in DIRECTORATES:
        found = db.session.execute(select(Directorate).where(Directorate.name == name)).scalar_one_or_none()
        if found is None:
            found = Directorate(name=name)
            db.session.add(found)
        directorates.append(found)
    db.session.flush()
    hashed = None

    def user(kind: str, n: int, role: str) -> User:
        nonlocal hashed
        email = f"{kind}{n}@{SEED_DOMAIN}"
        found = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if found is not None:
            return found
        made = User(email=email, name=f"Seeded {kind.title()} {n}", directorate=directorates[n % len(directorates)])
        made.set_roles([role])
        if hashed is None:
            made.set_password(SEED_PASSWORD)  # hashed once: the hash is slow on purpose
            hashed = made.password_hash
        made.password_hash = hashed
        db.session.add(made)
        return made

    people = People(authors=[user("author", n, AUTHOR) for n in range(max(5, count // 100))],
                    leads=[user("lead", n, EQUALITY_LEAD) for n in range(3)],
                    deciders=[user("decider", n, DECISION_MAKER) for n in range(max(2, count // 1000))],
                    admin=user("admin", 0, ADMIN))
    db.session.flush()
    return people


# ------------------------------------------------------------------ prototypes, through the services
def _prototypes(people: People) -> dict[str, list[int]]:
    """One family (the ids of its versions, oldest first) of each shape, made through the
    services, or found from an earlier run by its title."""
    from eqia.demo import STORIES, current_lock, screening_input, write_full_assessment
    from eqia.services import assessments as content
    from eqia.services.workflow import perform_transition

    found: dict[str, list[int]] = {}
    for row in db.session.execute(select(Assessment.title, Assessment.id).where(
            Assessment.title.startswith(PROTOTYPE_PREFIX)).order_by(Assessment.id)):
        found.setdefault(row.title.removeprefix(PROTOTYPE_PREFIX), []).append(row.id)
    if set(found) >= set(SHAPES):
        return found

    author, lead, decider = people.authors[0], people.leads[0], people.deciders[0]
    directorate_id = author.directorate_id
    today = utcnow().astimezone(LOCAL_ZONE).date()

    def start(shape: str) -> Assessment:
        return content.create_assessment(author, {
            "title": PROTOTYPE_PREFIX + shape, "directorate_id": directorate_id, "lead_officer": author.name,
            "activity_kind": "change", "aims": "To deliver the service fairly and within budget.",
            "people_affected": "Residents who use the service.", "decision_maker": "Cabinet Member",
            "decision_forum": "Cabinet", "due_regard_started_on": today - timedelta(days=30),
            "planned_decision_date": today + timedelta(days=60), "parent_programme": "Budget savings 2027-28"})

    def screen(a: Assessment, answer: str) -> None:
        content.update_register_details(a.id, author, {}, current_lock(a.id), complete=True)
        content.update_screening(a.id, author, screening_input(db.session.get(Assessment, a.id), answer,
                                                           "Users differ in age and disability", "Concluded."),
                                 current_lock(a.id), complete=True)

    def written(shape: str, story: str) -> Assessment:
        a = start(shape)
        screen(a, "yes")
        perform_transition(a.id, "start_full_assessment", author)
        write_full_assessment(a.id, author, STORIES[story])
        return a

    def signed(shape: str) -> Assessment:
        a = written(shape, "charging" if shape != "published" else "lighting")
        if shape == "published":  # one action already late, so the copies have overdue ones
            from eqia.services import content as full
            full.save_item(full.ACTIONS, a.id, author, current_lock(a.id), None, {
                "description": "Walk the main routes with the residents' groups", "owner": "", "owner_user_id":
                author.id, "due_date": today - timedelta(days=12), "success_measure": "Every route walked",
                "status": "in_progress"})
            full.save_action_plan_page(a.id, author, current_lock(a.id), today + timedelta(days=400), True)
        perform_transition(a.id, "submit_for_challenge", author)
        perform_transition(a.id, "approve", lead)
        perform_transition(a.id, "sign_off", decider, comment="Read before Cabinet.", attested=True,
                           password=SEED_PASSWORD)
        return a

    def published(shape: str) -> Assessment:
        a = signed(shape)
        perform_transition(a.id, "publish", lead)
        return a

    def next_version(a: Assessment) -> int:
        perform_transition(a.id, "start_review", author)
        return db.session.execute(select(Assessment.id).where(Assessment.previous_version_id == a.id)).scalar_one()

    made: dict[str, list[int]] = {}
    made["screening"] = [start("screening").id]
    a = start("full_assessment")
    screen(a, "yes")
    perform_transition(a.id, "start_full_assessment", author)
    write_full_assessment(a.id, author, STORIES["meals"], finish=False)
    made["full_assessment"] = [a.id]
    a = written("challenge", "waste")
    perform_transition(a.id, "submit_for_challenge", author)
    made["challenge"] = [a.id]
    a = written("awaiting_sign_off", "waste")
    perform_transition(a.id, "submit_for_challenge", author)
    perform_transition(a.id, "approve", lead)
    made["awaiting_sign_off"] = [a.id]
    made["signed_off"] = [signed("signed_off").id]
    a = published("published")
    _progress(a.id, author, today)
    made["published"] = [a.id]
    a = start("screened_out")
    screen(a, "no")
    perform_transition(a.id, "propose_screen_out", author, comment="Like-for-like replacement.")
    perform_transition(a.id, "agree_screen_out", lead, comment="Agreed: no differential effect.")
    made["screened_out"] = [a.id]
    a = published("review_due")
    perform_transition(a.id, "mark_review_due", lead)
    made["review_due"] = [a.id]
    # A review that screened out and published its decision: version 1 superseded by version 2.
    a = published("superseded")
    second = next_version(a)
    screen(db.session.get(Assessment, second), "no")
    perform_transition(second, "propose_screen_out", author, comment="Nothing changed for any group.")
    perform_transition(second, "agree_screen_out", lead, comment="Agreed.")
    perform_transition(second, "publish_screening", lead)
    made["superseded"] = [a.id, second]
    a = published("review_started")
    made["review_started"] = [a.id, next_version(a)]
    return made


def _progress(assessment_id: int, author: User, today: date) -> None:
    from eqia.services.action_progress import ProgressInput, record_update

    a = db.session.get(Assessment, assessment_id)
    for action, status in zip(a.actions, ("done", "in_progress", "in_progress")):
        record_update(assessment_id, action.id, author, ProgressInput(
            status=status, note="Progress reported to the equality group.", evidence="", dated=today))


# ------------------------------------------------------------------ copying rows in bulk
def owned_tables() -> list[tuple[Table, list]]:
    """Every table an EqIA owns (a row deleted with it: an ON DELETE CASCADE foreign key to
    the assessment, or to a row it owns), parents first, each with its owning foreign keys.
    Rendered PDFs, notifications, viewers and identity checks are left out (see the docstring)."""
    left_out = {"assessment_document", "draft_render", "notification", "assessment_viewer", "identity_confirmation",
                "objective_tag"}
    owned: dict[str, list] = {"assessment": []}
    tables = []
    for table in db.metadata.sorted_tables:
        if table.name == "assessment":
            tables.append((table, []))
            continue
        if table.name in left_out:
            continue
        keys = [fk for fk in table.foreign_keys if fk.column.table.name in owned and fk.ondelete == "CASCADE"]
        if keys:
            owned[table.name] = keys
            tables.append((table, keys))
    return tables


@dataclass
class Prototype:
    shape: str
    rows: dict[str, list[dict]]  # by table name, in id order
    events: list[dict]  # its trail's first event, transitions, signatures and progress, in order
    records: dict[int, dict]  # by version id: the content record of its last sign-off


def _load(shape: str, ids: list[int], tables) -> Prototype:
    rows: dict[str, list[dict]] = {}
    have: dict[str, set] = {"assessment": set(ids)}
    for table, keys in tables:
        if table.name == "assessment":
            query = select(table).where(table.c.id.in_(ids))
        else:
            key = keys[0]
            query = select(table).where(key.parent.in_(have[key.column.table.name]))
        if "id" in table.c:
            query = query.order_by(table.c.id)
        rows[table.name] = [dict(r._mapping) for r in db.session.execute(query)]
        if "id" in table.c:
            have[table.name] = {r["id"] for r in rows[table.name]}
    firsts = select(func.min(AuditEvent.seq)).where(AuditEvent.assessment_id.in_(ids)).group_by(
        AuditEvent.assessment_id)
    events = db.session.execute(select(AuditEvent.__table__).where(
        AuditEvent.assessment_id.in_(ids),
        (AuditEvent.to_state != AuditEvent.from_state) | AuditEvent.kind.in_((SIGNATURE, "action_update"))
        | AuditEvent.seq.in_(firsts))
        .order_by(AuditEvent.seq)).mappings().all()
    records = {}
    for s in rows.get("sign_off", []):
        records[s["assessment_id"]] = json.loads(s["signed_content"])
    return Prototype(shape, rows, [dict(e) for e in events], records)


def _next_ids(tables) -> dict[str, int]:
    return {t.name: (db.session.execute(select(func.max(t.c.id))).scalar() or 0) + 1
            for t, _ in tables if "id" in t.c}


def _record_of_copy(record: dict, copy: dict, impacts: dict[str, dict], actions: list[dict]) -> dict:
    """The prototype's content record with the copy's own values in: what
    eqia.services.record would read from the copy's rows."""
    record = json.loads(json.dumps(record))
    record["reference"] = copy["reference"]
    register = record["sections"][REGISTER.record]
    for f in REGISTER.fields:
        if f.record and f.key in ("title", "directorate_id", "parent_programme"):
            register[f.record] = copy[f.key]
        elif f.record and f.key == "planned_decision_date":
            register[f.record] = copy[f.key].isoformat() if copy[f.key] else None
    fields = {f.key: f.record for f in CHARACTERISTICS.items.record_fields if f.record}
    for key, row in impacts.items():
        section = record["sections"].get(completion_key(CHARACTERISTICS.key, key))
        if section is not None:
            section[fields["impact"]] = row["impact"]
            section[fields["severity"]] = row["severity"]
    plan_fields = {f.key: f.record for f in ACTION_PLAN.items.record_fields if f.record}
    for written, row in zip(record["sections"][ACTION_PLAN.record][ACTION_PLAN.items.record], actions):
        written[plan_fields["due_date"]] = row["due_date"].isoformat() if row["due_date"] else None
    return record


IMPACT_MIX = (("neutral", None),) * 5 + (("positive", None),) * 2 + (
    ("negative", "low"), ("negative", "medium"), ("negative", "high"))


class Copier:
    """Copies prototype families chunk by chunk, appending their trail to the chain."""

    def __init__(self, rng: random.Random, people: People, tables, prototypes: dict[str, Prototype]) -> None:
        self.rng, self.people, self.tables, self.prototypes = rng, people, tables, prototypes
        self.directorate_ids = [d for (d,) in db.session.execute(
            select(Directorate.id).where(Directorate.name.in_(DIRECTORATES)))]
        self.today = utcnow().astimezone(LOCAL_ZONE).date()
        self.report = SeedReport()

    def copy_chunk(self, shapes: list[str]) -> list[tuple[str, int, str]]:
        """Copies one family per shape given; returns (reference, directorate, title) of each."""
        ids = _next_ids(self.tables)
        rows: dict[str, list[dict]] = defaultdict(list)
        events: list[dict] = []
        year = self.today.year
        counter = db.session.execute(select(ReferenceCounter).where(ReferenceCounter.year == year)
                                     .with_for_update()).scalar_one_or_none()
        if counter is None:
            counter = ReferenceCounter(year=year, last_number=0)
            db.session.add(counter)
        families = []
        for shape in shapes:
            counter.last_number += 1
            reference = f"EQIA-{year}-{counter.last_number:04d}"
            families.append(self._copy(self.prototypes[shape], reference, ids, rows, events))
        db.session.flush()
        for table, _ in self.tables:
            chunk = rows.get(table.name)
            if chunk:
                db.session.execute(insert(table), chunk)
        self._append(events)
        reset_sequences([t for t, _ in self.tables] + [AuditEvent.__table__])
        return families

    def _copy(self, proto: Prototype, reference: str, ids, rows, events) -> tuple[str, int, str]:
        rng = self.rng
        new: dict[tuple[str, int], int] = {}
        author = rng.choice(self.people.authors)
        directorate = rng.choice(self.directorate_ids)
        title = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS).lower()} ({reference})"
        programme = rng.choice(PROGRAMMES)
        back = timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86_399))
        # Decided one to five months after it was begun: some decisions long past, some still to come.
        decided = self.today - timedelta(days=back.days) + timedelta(days=rng.randint(30, 150))
        proto_author = proto.rows["assessment"][0]["created_by_id"]
        done_share = rng.random()
        impacts = {}
        copies: dict[str, list[dict]] = {}
        for table, keys in self.tables:
            made = []
            for row in proto.rows.get(table.name, []):
                row = dict(row)
                if "id" in table.c:
                    new[(table.name, row["id"])] = row["id"] = ids[table.name]
                    ids[table.name] += 1
                for key in keys:
                    if row[key.parent.name] is not None:
                        row[key.parent.name] = new[(key.column.table.name, row[key.parent.name])]
                made.append(row)
            copies[table.name] = made
        for a in copies["assessment"]:
            if a["previous_version_id"] is not None:
                a["previous_version_id"] = new[("assessment", a["previous_version_id"])]
            a.update(reference=reference, title=title, directorate_id=directorate, parent_programme=programme,
                     planned_decision_date=decided,
                     created_by_id=author.id, created_at=a["created_at"] - back, updated_at=a["updated_at"] - back,
                     published_at=a["published_at"] and a["published_at"] - back)
        signed_ids = {s["assessment_id"] for s in copies.get("sign_off", [])}
        for row in copies.get("characteristic_impact", []):
            if row["impact"] is not None and row["assessment_id"] in signed_ids | {
                    a["id"] for a in copies["assessment"] if a["state"] in ("challenge", "awaiting_sign_off")}:
                row["impact"], row["severity"] = rng.choice(IMPACT_MIX)
                impacts.setdefault(row["assessment_id"], {})[row["characteristic_key"]] = row
        for row in copies.get("action", []):
            if row["due_date"] is not None:
                row["due_date"] = self.today + timedelta(days=rng.randint(-240, 300))
            if row["owner_user_id"] == proto_author:
                row["owner_user_id"] = author.id
        for row in copies.get("action_update", []):
            row["status"] = "done" if rng.random() < done_share else "in_progress"
            row["recorded_by_id"] = author.id if row["recorded_by_id"] == proto_author else row["recorded_by_id"]
        by_version = {a["id"]: a for a in copies["assessment"]}
        hashes = {}
        for s in copies.get("sign_off", []):
            version = by_version[s["assessment_id"]]
            old = next(k for (t, k), v in new.items() if t == "assessment" and v == version["id"])
            actions = [r for r in copies.get("action", []) if r["assessment_id"] == version["id"]]
            record = _record_of_copy(proto.records[old], version, impacts.get(version["id"], {}), actions)
            data = canonical(record)
            s.update(content_hash=digest(data), signed_content=data.decode("utf-8"), signed_at=s["signed_at"] - back)
            hashes[version["id"]] = s["content_hash"]
        for table_name, made in copies.items():
            rows[table_name].extend(made)
        for event in proto.events:
            event = dict(event)
            version = by_version[new[("assessment", event["assessment_id"])]]
            event.update(assessment_id=version["id"],
                         assessment_reference=f"{reference} v{version['version_number']}",
                         occurred_at=event["occurred_at"] - back)
            if event["actor_id"] == proto_author:
                event.update(actor_id=author.id, actor_email=author.email, actor_name=author.name)
            if event["kind"] == SIGNATURE:
                event["details"] = {**event["details"], "content_sha256": hashes[version["id"]]}
            events.append(event)
        for a in copies["assessment"]:
            self.report.by_state[a["state"]] += 1
        self.report.versions += len(copies["assessment"])
        self.report.families += 1
        return reference, directorate, title

    def _append(self, events: list[dict]) -> None:
        """The copies' events on the chain, each after the last, as append_event would write them."""
        head = locked_head()
        state = seal_state(head)
        next_id = (db.session.execute(select(func.max(AuditEvent.id))).scalar() or 0) + 1
        prev, seq = head.hash, head.seq
        written = []
        for event in events:
            seq += 1
            event.update(id=next_id, seq=seq, prev_hash=prev)
            next_id += 1
            # compute_hash reads attributes, the comment column by the model's name for it.
            event["hash"] = prev = compute_hash(SimpleNamespace(**event, user_comment=event["comment"]))
            written.append(event)
        if written:
            db.session.execute(insert(AuditEvent.__table__), written)
        head.seq, head.hash = seq, prev
        head.seal = seal_for(seq, prev, state=SEALED if state == SEALED else BROKEN)
        self.report.events += len(written)
        db.session.flush()


# ------------------------------------------------------------------ the register and plans
def _activities(lead: User, families: list[tuple[str, int, str]], rng: random.Random, today: date) -> int:
    """The register: most families assess an activity of their own; about one in ten
    activities was never assessed (some of those late). Added as an import adds them."""
    next_id = (db.session.execute(select(func.max(Activity.id))).scalar() or 0) + 1
    now = utcnow()
    activities, links = [], []
    kinds = ("policy", "function", "procurement", "budget", "project")

    def activity(name: str, directorate: int) -> int:
        nonlocal next_id
        relevance = rng.choice(("high", "high", "medium", "low"))
        activities.append({"id": next_id, "name": name[:200], "kind": rng.choice(kinds), "directorate_id": directorate,
                           "owner": "Service manager", "relevance": relevance, "needs_assessment": True,
                           "assess_by": today + timedelta(days=rng.randint(-120, 360)), "notes": "",
                           "created_at": now, "created_by_id": lead.id, "retired_at": None})
        next_id += 1
        return next_id - 1

    for reference, directorate, title in families:
        if rng.random() < 0.9:
            links.append({"reference": reference, "activity_id": activity(title, directorate), "linked_at": now,
                          "linked_by_id": lead.id})
    for n in range(max(1, len(families) // 10)):
        directorate = families[n % len(families)][1]
        activity(f"{rng.choice(SUBJECTS)} (not yet assessed, {families[n % len(families)][0]})", directorate)
    db.session.execute(insert(Activity.__table__), activities)
    db.session.execute(insert(ActivityAssessment.__table__), links)
    reset_sequences([Activity.__table__])
    from eqia.services import activities as register

    register.record(lead, register.ACTIVITIES_IMPORTED, count=len(activities))
    return len(activities)


def _plans(people: People, count: int, today: date) -> None:
    """Equality action plans through the services: a few, adopted, with rows late, on
    track and done (a council has a handful, not one per EqIA)."""
    from eqia.services import plans
    from eqia.services.action_progress import ProgressInput

    lead, decider = people.leads[0], people.deciders[0]
    for n in range(count):
        plan = plans.create(lead, {"title": f"Seeded equality action plan {n + 1}"})
        for i, theme in enumerate(plan.themes):
            plans.add_row(lead, plan.id, {
                "theme_id": theme.id, "number": f"R{i + 1}", "recommendation": f"Recommendation {i + 1}",
                "response": "agreed", "response_reason": "Agreed.", "next_steps": "Report to the equality group",
                "due_on": today + timedelta(days=(i - 2) * 60), "due_condition": "", "owner": "Head of Service",
                "owner_user_id": None})
        plans.take(lead, plan.id, "agree_plan")
        plans.take(decider, plan.id, "adopt_plan", attested=True, password=SEED_PASSWORD)
        first = plans.get(lead, plan.id).rows[0]
        plans.record_progress(lead, plan.id, first.id, ProgressInput("done", "Done and reported.", "", today))


# ------------------------------------------------------------------ the command's work
def seed(count: int, random_seed: int = 2026, echo=lambda line: None) -> SeedReport:
    """Add `count` EqIA families (each one or two versions), their activities, and a few
    plans. Commits once per chunk (see the module's docstring)."""
    from eqia.unit_of_work import unit_of_work

    check_migrated()
    rng = random.Random(random_seed)
    today = utcnow().astimezone(LOCAL_ZONE).date()
    with unit_of_work():
        people = _people(count)
        made = _prototypes(people)
    echo(f"Prototypes ready: {', '.join(made)}.")
    tables = owned_tables()
    prototypes = {shape: _load(shape, ids, tables) for shape, ids in made.items()}
    people = _people(count)
    copier = Copier(rng, people, tables, prototypes)
    shapes = [s for s, weight in SHAPES.items() for _ in range(weight)]
    left = count
    while left > 0:
        n = min(CHUNK, left)
        with unit_of_work():
            families = copier.copy_chunk([rng.choice(shapes) for _ in range(n)])
            copier.report.activities += _activities(people.leads[0], families, rng, today)
        left -= n
        echo(f"Copied {count - left} of {count}.")
    with unit_of_work():
        plan_count = max(1, count // 2000)
        _plans(_people(count), plan_count, today)
        copier.report.plans = plan_count
        analyse([t for t, _ in tables] + [AuditEvent.__table__, Activity.__table__, ActivityAssessment.__table__])
    with unit_of_work():  # the lead's dashboards read these (eqia.services.figure_refresh)
        work_out()
    tidy()
    return copier.report


def analyse(tables: list[Table]) -> None:
    """PostgreSQL plans queries from its statistics, and a bulk load leaves them empty until
    autovacuum comes round: refresh them now, as after any restore."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(f"ANALYZE {table.name}"))


def reset_sequences(tables: list[Table]) -> None:
    """PostgreSQL hands out ids from sequences the bulk insert went past (its ids were given
    explicitly): move them on, before anything is added through the ORM."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
