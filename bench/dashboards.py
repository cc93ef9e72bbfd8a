"""How the lead's dashboards scale: each page timed at 500 EqIAs and at 50,000, on PostgreSQL.

Two scratch databases (`eqia_bench_500`, `eqia_bench_50000`) on the PostgreSQL at
EQIA_BENCH_PG (default 127.0.0.1:5432, trust auth), migrated with the app's own
migrations and filled by `flask eqia seed`; a database whose count already matches is
used again, so a rerun only times. Each page is fetched through the real app (the test
client, signed in as a seeded equality lead): one warm-up, then the median of REPEATS,
the two sizes taking turns.
The goal is at most 2x from 500 to 50,000: a page that reads aggregates, not rows, costs
about the same at any volume. Writes its section of docs/performance.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from eqia.config import database_url  # noqa: E402

SERVER = os.environ.get("EQIA_BENCH_PG", "postgresql://127.0.0.1:5432")
SIZES = (500, 50_000)
REPEATS = 5
WORKED_OUT: dict[int, float] = {}  # seconds to work the figures out, by size
GOAL = 2.0
# A date filter that cuts months at both ends: about six months of planned decisions.
WINDOW = ((date.today() - timedelta(days=170)).isoformat(), (date.today() + timedelta(days=12)).isoformat())
# The same in whole months: the six months before this one.
MONTHS = ((date.today().replace(day=1) - timedelta(days=170)).replace(day=1).isoformat(),
          (date.today().replace(day=1) - timedelta(days=1)).isoformat())
# Downloads that list every row they choose: they grow with the rows by their nature, so they are reported
# by their cost a row, beside the goal rather than under it.
EVERY_ROW = {"Activity register (CSV)", "Overdue actions (CSV)"}


def pages(plan_id: int) -> list[tuple[str, str]]:
    return [
        ("Programme", "/programme"), ("Coverage", "/programme/coverage"),
        ("Coverage (CSV)", "/programme/coverage.csv"),
        ("Never assessed (list)", "/programme/activities?coverage=not_assessed"),
        ("Out of date (list)", "/programme/activities?coverage=out_of_date"),
        ("Activity register", "/programme/activities"), ("Activity register (CSV)", "/programme/activities.csv"),
        ("Pipeline", "/programme/pipeline"), ("Pipeline (CSV)", "/programme/pipeline.csv"),
        ("Follow-up", "/programme/follow-up"), ("Overdue actions", "/actions/overdue"),
        ("Overdue actions (CSV)", "/actions/overdue.csv"),
        ("Heat map", "/programme/heat-map"), ("Heat map (CSV)", "/programme/heat-map.csv"),
        ("Heat map cell", "/programme/heat-map/assessments?group=age&impact=negative"),
        ("Heat map, decided in six whole months", f"/programme/heat-map?from={MONTHS[0]}&to={MONTHS[1]}"),
        ("Heat map, decided in a window that cuts months",
         f"/programme/heat-map?from={WINDOW[0]}&to={WINDOW[1]}"),
        ("Heat map cell, decided in a window that cuts months",
         f"/programme/heat-map/assessments?group=age&impact=negative&from={WINDOW[0]}&to={WINDOW[1]}"),
        ("Cumulative: programmes", "/programme/cumulative"),
        ("Cumulative: one programme", "/programme/cumulative?programme=Budget+savings+2027-28"),
        ("Action plans", "/programme/plans"), ("An action plan", f"/programme/plans/{plan_id}"),
    ]


def config(url: str) -> dict:
    return {"SECRET_KEY": "bench", "EQIA_AUDIT_KEY": "bench-audit-key", "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
            "EQIA_ADMIN_TOTP_REQUIRED": False, "EQIA_PDF_PRERENDER": False, "EQIA_LOG_LEVEL": "WARNING",
            "EQIA_QUEUE_URL": f"sqlite:////tmp/eqia-bench-queue-{os.getpid()}.sqlite"}


def ensure_database(name: str) -> str:
    """The scratch database, made if missing (never one of the app's own)."""
    admin = sa.create_engine(database_url(f"{SERVER}/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(f"{SERVER}/{name}")


def prepared(size: int):
    """An app on a database holding `size` seeded EqIAs."""
    from flask_migrate import upgrade

    from eqia.app import create_app
    from eqia.extensions import db
    from eqia.models import Assessment
    from eqia.seed import PROTOTYPE_PREFIX, seed
    from eqia.services.figure_refresh import tidy, work_out
    from eqia.unit_of_work import unit_of_work

    app = create_app(config(ensure_database(f"eqia_bench_{size}")))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seeded = db.session.scalar(sa.select(sa.func.count(sa.distinct(Assessment.reference))).where(
            ~Assessment.title.startswith(PROTOTYPE_PREFIX)))
        if seeded != size:
            if seeded:
                sys.exit(f"eqia_bench_{size} holds {seeded} seeded EqIAs, not {size}: drop it and run again.")
            started = time.perf_counter()
            seed(size, echo=lambda line: print(f"  {line}", flush=True))
            print(f"Seeded {size} in {time.perf_counter() - started:.0f} s.", flush=True)
        # The working out a change queues (eqia.services.figure_refresh), timed: what the pages read.
        started = time.perf_counter()
        with unit_of_work():
            work_out()
        WORKED_OUT[size] = time.perf_counter() - started
        tidy()  # as the task does once it has committed
        db.session.remove()
    return app


def signed_in(app):
    """A test client signed in as a seeded equality lead, and the id of a plan to show."""
    from eqia.extensions import db
    from eqia.models import ActionPlan
    from eqia.seed import SEED_DOMAIN, SEED_PASSWORD

    with app.app_context():
        plan_id = db.session.scalar(sa.select(sa.func.min(ActionPlan.id)))
        db.session.remove()
    client = app.test_client()
    signed = client.post("/sign-in", data={"email": f"lead0@{SEED_DOMAIN}", "password": SEED_PASSWORD})
    assert signed.status_code == 302, "the seeded lead could not sign in"
    return client, plan_id


def fetched(client, url: str) -> tuple[float, int]:
    """How long the page took, and how many lines it had (a download's rows, with its heading)."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response.get_data().count(b"\n")


def main() -> None:
    clients = {}
    for size in SIZES:
        print(f"{size} EqIAs:", flush=True)
        clients[size] = signed_in(prepared(size))
    # The two sizes take turns, page by page and run by run, so a busy spell on a shared machine
    # falls on both alike and the ratio stays fair.
    results: dict[int, dict[str, float]] = {size: {} for size in SIZES}
    lines_of: dict[int, dict[str, int]] = {size: {} for size in SIZES}
    labels = [label for label, _ in pages(0)]
    for n, label in enumerate(labels):
        times: dict[int, list[float]] = {size: [] for size in SIZES}
        for run in range(REPEATS + 1):
            for size in SIZES:
                client, plan_id = clients[size]
                elapsed, lines_of[size][label] = fetched(client, pages(plan_id)[n][1])
                if run:  # the first is the warm-up
                    times[size].append(elapsed)
        for size in SIZES:
            results[size][label] = statistics.median(times[size])
        print(f"  {label}: " + ", ".join(f"{results[size][label] * 1000:.0f} ms" for size in SIZES), flush=True)
    small, large = SIZES
    lines, missed, downloads = [], [], []
    for label in results[small]:
        a, b = results[small][label], results[large][label]
        ratio = b / a
        if label in EVERY_ROW:
            rows = [max(1, lines_of[size][label] - 1) for size in SIZES]
            downloads.append(f"| {label} | {rows[0]:,} rows, {a * 1000:.0f} ms ({a / rows[0] * 1e6:.0f} µs a row) | "
                             f"{rows[1]:,} rows, {b * 1000:.0f} ms ({b / rows[1] * 1e6:.0f} µs a row) |")
            continue
        if ratio > GOAL:
            missed.append(label)
        lines.append(f"| {label} | {a * 1000:.0f} ms | {b * 1000:.0f} ms | {ratio:.1f}x | "
                     f"{'yes' if ratio <= GOAL else '**no**'} |")
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    worked = ", ".join(f"{WORKED_OUT[size]:.1f} s at {size:,}" for size in SIZES)
    verdict = ("Every page meets the goal." if not missed else
               f"{len(lines) - len(missed)} of {len(lines)} meet the goal; {len(missed)} miss it: "
               f"{', '.join(missed)}.") + f"""

**What the pages read.** The coverage, pipeline, heat map, programmes and the follow-up's counts read the
figures kept worked out (eqia.services.figure_refresh): counts by state, directorate, group, impact,
programme and date, which a task works out again from the assessments, their trail and the register soon
after each change commits (and each day at least). Working them out took {worked}; nobody waits for it, and
each page says when its figures were worked out. Their rows grow with the directorates, programmes and
dates, not with the assessments; a date filter reads whole months, and the single days of a month it cuts
(so a window that cuts months reads more rows than one of whole months).

**Why some still miss it.** The register's lists are sorted by directorate and name, and counted, when
they are asked for, so that an activity added a moment ago is listed at once. Overdue actions, on their
page and in the follow-up's count by owner, depend on what each lead may see (restricted assessments), so
they are read as they are now, each action's latest progress included. A programme's side by side is read
as it is now, because a cumulative judgement is written and signed beside it; the seeded programmes hold
about a seventh of all the assessments each, so it grows with them (a real budget round holds dozens).
Each working out replaces every row of the figures, so the task then vacuums and analyses their
tables (`tidy`): before it did, the heat map's cell took 114 ms at 50,000 (the tables held six dead rows for each
live one, and the planner's statistics were of other tables), against 18 ms after. Load average {load} when this was written."""
    every_row = f"""
Downloads that list every row they choose, by their cost a row:

| Download | 500 | 50,000 |
| --- | --- | --- |
{chr(10).join(downloads)}
"""
    report = f"""## The lead's dashboards at 500 and at 50,000 EqIAs (PostgreSQL)

Each page through the real app (the test client, signed in as an equality lead), on two databases filled by
`flask eqia seed --assessments N` (EqIAs in every state, with their activities, actions and action plans).
Median of {REPEATS} runs after a warm-up, the two sizes taking turns. Goal: at most {GOAL:.0f}x from 500 to 50,000, since each page
reads aggregates or one page of rows, with a number of queries that does not grow with the volume
(tests/test_seed.py counts them).

| Page | 500 | 50,000 | Ratio | At most {GOAL:.0f}x |
| --- | --- | --- | --- | --- |
{chr(10).join(lines)}
{every_row}
{verdict}
"""
    print(write_section("dashboards", report))


if __name__ == "__main__":
    main()
