"""How long a user waits for an EqIA's PDF, beside a warm headless Chromium
rendering the same HTML in the same run.

Documents: the demo council's "Adult social care charging policy" (a realistic
assessment, about 14 pages) and a large one built the same way with many more
items and rounds of challenge (about 60 pages). Rows:
- our fresh render (WeasyPrint PDF/UA-1 and the tagging finish), its parts at
  once on the PDF workers and joined (eqia/pdf/assemble.py); the same, whole
  on one worker, and whole in the web process;
- WeasyPrint alone (the naive render the issue measured);
- a warm Chromium printing the same HTML (the baseline every ratio is against);
- what "Download PDF" costs for an unchanged EqIA (stored or cached bytes,
  through the real view);
- what it costs just after an edit (a fresh render of the draft);
- the peak memory of each worker that renders a document once.
Writes its section of docs/performance.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPEATS = 5
PAUSE = 3.0  # seconds between a save and the click on "Download PDF"
CHROMIUM = "/usr/bin/chromium"
ASSET_HOST = "http://eqia-assets.invalid/"


def median_time(fn, repeats: int = REPEATS) -> float:
    fn()  # warm: fonts read, templates compiled, the browser's first page done
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pages_of(data: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def make_large(app, base_id: int) -> int:
    """The typical assessment's story at scale: many more evidence items,
    consultations, actions and challenge rounds, written through the services."""
    from eqia.extensions import db
    from eqia.models import Assessment, User
    from eqia.services import assessments as register
    from eqia.services import challenge
    from eqia.services import content as full
    from eqia.services.workflow import perform_transition
    from eqia.demo import write_full_assessment, STORIES, _lock, _screening

    base = db.session.get(Assessment, base_id)
    author = base.created_by
    lead = db.session.query(User).filter_by(email="ellen.lead@demo.example").one()
    details = {k: getattr(base, k) for k in ("directorate_id", "lead_officer", "activity_kind", "aims",
                                               "people_affected", "decision_maker", "decision_forum",
                                               "planned_decision_date", "due_regard_started_on")}
    a = register.create_assessment(author, {**details, "title": "Adult social care charging policy (large)"})
    register.update_register_details(a.id, author, {}, _lock(a.id), complete=True)
    register.update_screening(a.id, author, _screening(a, "yes", "Charges fall on people who use care",
                                                       "Full assessment needed."), _lock(a.id), complete=True)
    perform_transition(a.id, "start_full_assessment", author)
    write_full_assessment(a.id, author, STORIES["charging"])
    today = base.due_regard_started_on + timedelta(days=20)
    for n in range(40):
        full.save_item(full.EVIDENCE, a.id, author, _lock(a.id), None, {
            "kind": "data", "source": f"Charging review data set {n + 1}, by ward and by age band",
            "dated": today, "summary": "Weekly charges, income, disability-related expenditure and "
                                       "benefits, compared with the year before. " * 3, "link": ""})
        full.save_item(full.CONSULTATION, a.id, author, _lock(a.id), None, {
            "who": f"Residents' group {n + 1}", "held_from": today, "held_to": None, "method": "Meeting",
            "what_they_said": "The charge must take account of disability-related costs. " * 3,
            "how_it_changed": "The allowance was raised. " * 2})
        full.save_item(full.ACTIONS, a.id, author, _lock(a.id), None, {
            "description": f"Review the charge for group {n + 1} after six months " * 2, "owner": "Head of Finance",
            "due_date": base.planned_decision_date + timedelta(days=180), "success_measure": "A report to Cabinet",
            "status": "not_started"})
    full.save_section_page("evidence", a.id, author, _lock(a.id), True)
    full.save_consultation_page(a.id, author, _lock(a.id), "", True)
    full.save_action_plan_page(a.id, author, _lock(a.id), db.session.get(Assessment, a.id).review_date, True)
    # Three rounds of challenge, each returned and answered: it is a draft being written again.
    for r in range(3):
        perform_transition(a.id, "submit_for_challenge", author)
        challenge.save_points(a.id, lead, {key: challenge.PointInput("could_be_improved", "Say more. " * 10)
                                           for key in challenge.review_keys(db.session.get(Assessment, a.id))})
        perform_transition(a.id, "return_to_author", lead, comment="See each point.")
        points = challenge.unanswered(db.session.get(Assessment, a.id))
        challenge.save_answers(a.id, author, _lock(a.id), {p.id: challenge.AnswerInput("accepted", "Done. " * 8)
                                                           for p in points})
    return a.id


def chromium_renderer(page_html: str, extra: dict):
    """A warm Chromium that prints HTML, fetching the same bundled assets."""
    from playwright.sync_api import sync_playwright

    from eqia.pdf.fetcher import SCHEME, BundledAssets

    fetcher = BundledAssets(extra)
    html = page_html.replace(SCHEME, ASSET_HOST)
    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"])
    page = browser.new_page()

    def serve(route):
        response = fetcher.fetch(route.request.url.replace(ASSET_HOST, SCHEME))
        route.fulfill(body=response.read(), content_type=response.content_type)

    page.route(ASSET_HOST + "**", serve)

    def render() -> bytes:
        page.set_content(html, wait_until="load")
        return page.pdf(format="A4", print_background=True, tagged=True, outline=True)

    def close() -> None:
        browser.close()
        manager.stop()

    return render, close


def peak_memory_mib(database_url: str, assessment_id: int) -> float:
    """A fresh web-application process renders the document once, in itself
    (EQIA_PDF_WORKERS=0): its peak resident size, for comparison."""
    code = f"""
import os, resource
os.environ.update(DATABASE_URL={database_url!r}, EQIA_ENV="development", EQIA_PDF_WORKERS="0")
from eqia import create_app
from eqia.extensions import db
from eqia.models import Assessment
from eqia.services.version_pdfs import render
app = create_app()
with app.app_context():
    render(db.session.get(Assessment, {assessment_id}))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def worker_peaks_mib(page: str, extra: dict, workers: int) -> list[float]:
    """New PDF workers render the document once, in parts at once: each one's peak resident size (VmHWM)."""
    from eqia.pdf.worker import Pool

    pool = Pool(workers)
    try:
        pool.render_document(page, extra)
        peaks = []
        for pid in pool.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(next(line.split()[1] for line in status.splitlines()
                                  if line.startswith("VmHWM:"))) / 1024)
        return peaks
    finally:
        pool.close()


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="eqia-bench-"))
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    os.environ.update(DATABASE_URL=url, EQIA_ENV="development")
    from flask_migrate import upgrade
    from weasyprint import HTML

    from bench.report import write_section
    from eqia import create_app
    from eqia.demo import load_demo
    from eqia.extensions import db
    from eqia.models import Assessment, User
    from eqia.pdf.layout import html_for
    from eqia.pdf.fetcher import SCHEME, BundledAssets
    from eqia.services import version_pdfs
    from eqia.services.assessments import update_register_details

    # A task queue of the bench's own: the background renders below run on it, never on instance/queue.sqlite.
    queue = Path(tempfile.mkdtemp(prefix="eqia-bench-queue-")) / "queue.sqlite"
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "EQIA_QUEUE_URL": f"sqlite:///{queue}"})
    rows = []
    memory: dict[str, list[float]] = {}
    workers = app.config["EQIA_PDF_WORKERS"]  # the default: one a core, at most two
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo()
        typical = db.session.query(Assessment).filter_by(title="Adult social care charging policy").one()
        signed = db.session.query(Assessment).filter_by(title="Street lighting part-night switch-off").one()
        large_id = make_large(app, typical.id)
        client = app.test_client()
        lead = db.session.query(User).filter_by(email="ellen.lead@demo.example").one()
        client.post("/sign-in", data={"email": lead.email, "password": "demo-lead-pass"})
        author = db.session.get(Assessment, large_id).created_by
        author_client = app.test_client()
        author_client.post("/sign-in", data={"email": author.email, "password": "demo-author-pass"})

        for name, assessment_id in (("Typical", typical.id), ("Large", large_id)):
            assessment = db.session.get(Assessment, assessment_id)
            page, extra = html_for(assessment)
            ours_pdf = version_pdfs.render(assessment)
            pages = pages_of(ours_pdf)
            ours = median_time(lambda: version_pdfs.render(db.session.get(Assessment, assessment_id)))
            app.config["EQIA_PDF_WORKERS"] = 1
            one_worker = median_time(lambda: version_pdfs.render(db.session.get(Assessment, assessment_id)))
            app.config["EQIA_PDF_WORKERS"] = 0
            in_process = median_time(lambda: version_pdfs.render(db.session.get(Assessment, assessment_id)))
            app.config["EQIA_PDF_WORKERS"] = workers
            memory[name] = worker_peaks_mib(page, extra, workers)
            memory[f"{name}, one worker"] = worker_peaks_mib(page, extra, 1)
            naive = median_time(lambda: HTML(string=page, base_url=SCHEME, url_fetcher=BundledAssets(extra))
                                .write_pdf(pdf_variant="pdf/ua-1"))
            render, close = chromium_renderer(page, extra)
            try:
                chromium = median_time(render)
                chromium_pages = pages_of(render())
            finally:
                close()
            rows.append((f"{name} ({pages} pages): our fresh render, PDF/UA-1 finished (its parts at once in "
                         f"{workers} PDF workers, then joined)", ours, chromium))
            rows.append((f"{name}: the same, whole in one PDF worker", one_worker, chromium))
            rows.append((f"{name}: the same, whole in the web process itself", in_process, chromium))
            rows.append((f"{name}: WeasyPrint alone, PDF/UA-1 (the naive render)", naive, chromium))
            rows.append((f"{name}: warm Chromium, same HTML ({chromium_pages} pages; the baseline)", chromium,
                         chromium))

        # "Download PDF" for an unchanged EqIA: stored signed bytes, or a cached draft.
        version_pdfs.pdf_for(db.session.get(Assessment, typical.id))  # the cache holds it now
        stored = median_time(lambda: client.get(f"/assessments/{signed.id}/pdf").data, repeats=20)
        cached = median_time(lambda: client.get(f"/assessments/{typical.id}/pdf").data, repeats=20)
        render, close = chromium_renderer(*html_for(db.session.get(Assessment, typical.id)))
        try:
            chromium_typical = median_time(render)
        finally:
            close()
        rows.append(("Download PDF, signed and unchanged (stored bytes, through the view)", stored, chromium_typical))
        rows.append(("Download PDF, unchanged draft (cached bytes, through the view)", cached, chromium_typical))

        # Just after an edit. The save (the service the view calls, inside a request, as in the browser) queues
        # the draft's background render; what the user waits for is the download, clicked at once or after a pause.
        from eqia.services import prerender
        from eqia.tasks import consumer

        edits = [0]

        def save_and_click(pause: float) -> float:
            """One save, then the download clicked `pause` seconds later: how long the download took."""
            edits[0] += 1
            current = db.session.get(Assessment, large_id)
            # As the page's view calls it: the browser save's commit queues the render on the task queue.
            with app.test_request_context(environ_overrides={prerender.BROWSER_SAVE_KEY: True}):
                update_register_details(large_id, author, {"aims": f"Aims, edit {edits[0]}"}, current.lock_version)
                db.session.commit()
            db.session.expire_all()
            time.sleep(pause)
            start = time.perf_counter()
            response = author_client.get(f"/assessments/{large_id}/pdf")
            took = time.perf_counter() - start
            assert response.status_code == 200
            while prerender.under_way(large_id, version_pdfs.last_event_of(large_id)):
                time.sleep(0.1)  # the background render done before the next save
            return took

        def median_download(pause: float, repeats: int = 3) -> float:
            save_and_click(pause)  # warm
            return statistics.median(save_and_click(pause) for _ in range(repeats))

        app.config["EQIA_PDF_PRERENDER"] = True
        background = consumer(app, 1)  # a worker of the task queue, as `flask eqia worker` runs beside the web
        background.start()
        try:
            after_pause = median_download(PAUSE)
            at_once = median_download(0.0)
        finally:
            background.stop(graceful=True)
        app.config["EQIA_PDF_PRERENDER"] = False
        without = median_download(0.0)
        large_html = html_for(db.session.get(Assessment, large_id))
        render, close = chromium_renderer(*large_html)
        try:
            chromium_large = median_time(render)
        finally:
            close()
        rows.append((f"Download PDF just after an edit, large draft, clicked {PAUSE:.0f} s after the save "
                     "(rendered in the background meanwhile)", after_pause, chromium_large))
        rows.append(("Download PDF just after an edit, large draft, clicked the moment the save returns",
                     at_once, chromium_large))
        rows.append(("Download PDF just after an edit, large draft, no background render (save, then render)",
                     without, chromium_large))
        memory["web process"] = [peak_memory_mib(url, typical.id)]

    def mib(peaks: list[float]) -> str:
        shown = " and ".join(f"{p:.0f}" for p in peaks) + " MiB"
        return shown + (f" ({sum(peaks):.0f} MiB together)" if len(peaks) > 1 else "")

    table = "\n".join(f"| {label} | {seconds * 1000:,.0f} ms | {seconds / base:.2f} |" for label, seconds, base in rows)
    body = f"""## PDF: what a user waits for

Median of {REPEATS} runs after one warm-up (20 for unchanged downloads, 3 after an edit), each document rendered by WeasyPrint and by a
warm headless Chromium (Debian's, driven by Playwright) from the same HTML and the same bundled fonts, one after
the other in one run. The ratio is to the warm Chromium figure for the same document.

| Path | Time | Ratio to warm Chromium |
| --- | --- | --- |
{table}

Peak memory (resident) of each PDF worker when {workers} render a document's parts once: typical
{mib(memory["Typical"])}, large {mib(memory["Large"])}. One worker rendering the whole document: typical
{mib(memory["Typical, one worker"])}, large {mib(memory["Large, one worker"])}. The web application rendering the
typical document in its own process, as before the workers: {mib(memory["web process"])}.

A save queues its draft's render in the background; "{PAUSE:.0f} s after the save" is about the time a person takes
to see the task list the save returns to and click "Download PDF". Clicked the moment the save returns, the
download waits for the rest of that render.
"""
    print(write_section("pdf", body))


if __name__ == "__main__":
    main()
