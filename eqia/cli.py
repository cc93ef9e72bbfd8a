"""`flask eqia ...` commands. A command that writes is one unit of work
(`with unit_of_work():`, eqia/unit_of_work.py): committed once, before it says
what it did; sending notifications is a task per message (eqia.notifications.sender)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from eqia.config import ConfigError
from eqia.extensions import db
from eqia.models import User
from eqia.roles import ROLES
from eqia.services.audit import verify_chain
from eqia.unit_of_work import unit_of_work

if TYPE_CHECKING:
    from eqia.notifications.delivery import Report


class _Commands(AppGroup):
    """A setting a command needs but was not given (the audit key, say) is one
    line, as `flask` reports any other mistake in how it was called."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            raise click.ClickException(str(error)) from None


eqia_cli = _Commands("eqia", help="Equality impact assessment commands.")


def _published_anchor(count: int | None, head: str | None):
    """The anchor given on the command line, or None; both parts or neither."""
    from eqia.services.audit import Anchor

    if count is None and head is None:
        return None
    if count is None or head is None:
        raise click.UsageError("Give --expect-count and --expect-head together: the event count and head hash of "
                               "one published anchor (the register page, or a signed PDF).")
    head = head.strip().lower()
    if len(head) != 64 or any(c not in "0123456789abcdef" for c in head):
        raise click.UsageError("--expect-head must be the 64 hexadecimal characters of a published head hash.")
    return Anchor(count, head)


ANCHOR_OPTIONS = (
    click.option("--expect-count", type=click.IntRange(min=1), default=None,
                 help="The event count of a published anchor (register page, signed PDF)."),
    click.option("--expect-head", default=None, help="The head hash published with that count."),
)


def anchor_options(command):
    for option in reversed(ANCHOR_OPTIONS):
        command = option(command)
    return command


@eqia_cli.command("verify-audit")
@anchor_options
def verify_audit(expect_count: int | None, expect_head: str | None) -> None:
    """Check the audit trail's hash chain and its sealed head; exit 1 if any
    event was altered, deleted, inserted or reordered, a signature's row is
    gone, or the trail contradicts the published anchor given."""
    from eqia.models import Assessment, RestoredAuditEvent
    from eqia.services.audit import anchor_matched, check_anchor
    from eqia.services.exported_trail import restored_trail_problems
    from eqia.services.signing import missing_sign_offs, versions_signed_on_the_trail

    published = _published_anchor(expect_count, expect_head)
    report = verify_chain()
    restored = db.session.execute(select(Assessment).where(
        Assessment.id.in_(select(RestoredAuditEvent.assessment_id)))).scalars().all()
    problems = [*report.problems, *(p for a in restored for p in restored_trail_problems(a)),
                *(p for a in versions_signed_on_the_trail() for p in missing_sign_offs(a))]
    if published is not None:
        problems += check_anchor(published)
    if not problems:
        click.echo(f"Audit trail verified: {report.events} events, chain intact"
                   + (f"; the trails of {len(restored)} restored version(s) as restored." if restored else "."))
        if published is not None:
            click.echo(anchor_matched(published.count, published.head))
        return
    click.echo(f"Audit trail FAILED verification ({report.events} events read):", err=True)
    for problem in problems:
        click.echo(f"- {problem}", err=True)
    sys.exit(1)


@eqia_cli.command("reseal-audit-head")
@anchor_options
def reseal_audit_head(expect_count: int | None, expect_head: str | None) -> None:
    """Seal the trail's head with the current EQIA_AUDIT_KEY, after the key was
    lost or changed: only when the chain is otherwise intact and holds the
    published anchor given. The reseal is itself recorded on the trail."""
    from eqia.audit_words import RESEAL
    from eqia.services.audit import (HEAD_SEAL_BROKEN, HEAD_SEAL_MISMATCH, anchor_matched, append_event,
                                     check_anchor, reseal_head)

    published = _published_anchor(expect_count, expect_head)
    if published is None:
        raise click.UsageError("Give the newest anchor you hold from outside the database (--expect-count and "
                               "--expect-head, from the register page or a signed PDF): resealing trusts the "
                               "trail as it is.")
    report = verify_chain()
    problems = [p for p in report.problems if p not in (HEAD_SEAL_MISMATCH, HEAD_SEAL_BROKEN)]
    problems += check_anchor(published)
    if problems:
        click.echo("Not resealed: the trail has problems besides its seal:", err=True)
        for problem in problems:
            click.echo(f"- {problem}", err=True)
        sys.exit(1)
    with unit_of_work():
        reseal_head()
        append_event(action="reseal_audit_head", actor=None, role="system", kind=RESEAL,
                     details={"count": published.count, "head": published.head})
    click.echo(anchor_matched(published.count, published.head))
    click.echo("The head is sealed with the current EQIA_AUDIT_KEY.")


@eqia_cli.command("work-out-figures")
def work_out_figures_command() -> None:
    """Work the equality lead's figures out now (a worker does it after each change, and daily): after a
    restore from a backup, or where no worker runs."""
    from eqia.services.figure_refresh import tidy, work_out
    from eqia.services.figures import worked_out_at

    with unit_of_work():
        work_out()
    tidy()
    click.echo(f"The lead's figures were worked out as at {worked_out_at():%Y-%m-%d %H:%M:%S} UTC.")


@eqia_cli.command("verify-sign-offs")
def verify_sign_offs() -> None:
    """Recompute the content hash of every signed version and every signed cumulative
    judgement; exit 1 if any no longer matches what was signed, naming the tasks that changed."""
    from eqia.services import cumulative_judgements
    from eqia.services.signing import verify_all

    checks = verify_all()
    failed = [c for c in checks if not c.ok]
    judged = cumulative_judgements.verify_all()
    misjudged = [c for c in judged if not c.ok]
    if not failed and not misjudged:
        click.echo(f"Sign-offs verified: {len(checks)} signed version(s) checked, each unchanged since it "
                   "was signed.")
        if judged:
            click.echo(f"Cumulative judgements verified: {len(judged)} signed judgement(s) checked, each "
                       "unchanged since it was signed.")
        return
    if failed:
        click.echo(f"Sign-offs FAILED verification ({len(failed)} of {len(checks)} signed version(s)):", err=True)
    for check in failed:
        for problem in check.problems:
            click.echo(f"- {problem}", err=True)
        changed = [*check.changed_tasks, *check.changed_parts]
        if changed:
            click.echo(f"  changed since it was signed: {', '.join(changed)}", err=True)
    if misjudged:
        click.echo(f"Cumulative judgements FAILED verification ({len(misjudged)} of {len(judged)} signed "
                   "judgement(s)):", err=True)
    for check in misjudged:
        for problem in check.problems:
            click.echo(f"- {problem}", err=True)
    sys.exit(1)


@eqia_cli.command("load-demo")
def load_demo_command() -> None:
    """Load the demo council (safe to run again: nothing is duplicated)."""
    from eqia.demo import DEMO_ADMIN, demo_admin_second_factor, load_demo

    with unit_of_work():
        created, sign_ins = load_demo()
        secret = demo_admin_second_factor()
    click.echo("Demo council loaded." if created else "Demo council already loaded; nothing added.")
    click.echo("\nSign in at {}/sign-in with any of these:".format(current_app.config["EQIA_BASE_URL"]))
    width = max(len(email) for email, _, _ in sign_ins)
    for email, password, roles in sign_ins:
        click.echo(f"  {email.ljust(width)}  password: {password}  ({roles})")
    if secret:
        click.echo(f"\n{DEMO_ADMIN} is also asked for a code: add the setup key {secret} to an authenticator "
                   f"app (time-based), or print the current code with\n  .venv/bin/python -c "
                   f"\"import pyotp; print(pyotp.TOTP('{secret}').now())\"")


@eqia_cli.command("seed")
@click.option("--assessments", "count", required=True, type=click.IntRange(min=1, max=1_000_000),
              help="How many EqIAs to add (each with its versions, activity, actions).")
@click.option("--seed", "random_seed", default=2026, show_default=True, type=int,
              help="The random seed: the same seed makes the same spread.")
def seed_command(count: int, random_seed: int) -> None:
    """Add realistic volume for measuring (never in a live service): EqIAs in every
    state, copied in bulk from prototypes made through the services, with the
    activity register, actions and action plans. Commits once per chunk (eqia/seed.py)."""
    from eqia.seed import SEED_DOMAIN, SEED_PASSWORD, NotMigrated, seed

    try:
        report = seed(count, random_seed, echo=click.echo)
    except NotMigrated as error:
        raise click.ClickException(str(error)) from None
    states = ", ".join(f"{state} {n}" for state, n in sorted(report.by_state.items()))
    click.echo(f"Seeded {report.families} EqIAs ({report.versions} versions: {states}), {report.activities} "
               f"activities, {report.plans} action plan(s), {report.events} audit events.")
    click.echo(f"Users: author0@{SEED_DOMAIN}, lead0@{SEED_DOMAIN}, decider0@{SEED_DOMAIN}, admin0@{SEED_DOMAIN} "
               f"and more, password {SEED_PASSWORD}.")


@eqia_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--directorate", default="", help="Directorate name (created if new).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, name: str, roles: tuple[str, ...], directorate: str, password_stdin: bool) -> None:
    """Create a user, or update the roles and password of an existing one (which signs them out everywhere and
    revokes their API tokens)."""
    from eqia.admin import users
    from eqia.services.errors import Invalid

    if not password_stdin:
        raise click.UsageError("Give the password on standard input with --password-stdin "
                               "(never on the command line, where other users can see it).")
    password = sys.stdin.readline().rstrip("\n")
    try:
        with unit_of_work():
            saved = users.save_user(email, name, roles, password, directorate)
    except Invalid as error:
        raise click.UsageError(str(error)) from None
    click.echo(saved.summary())


@eqia_cli.command("create-token")
@click.option("--email", required=True)
@click.option("--label", default="Command line", show_default=True, help="What the token is for.")
def create_token(email: str, label: str) -> None:
    """Make an API token for a user and print it (it is shown only this once)."""
    from eqia.admin.users import find_user
    from eqia.services import tokens
    from eqia.services.errors import Invalid

    user = find_user(email)
    if user is None:
        raise click.UsageError(f"There is no user {email}: make one with `flask eqia create-user`.")
    try:
        with unit_of_work():
            _, token = tokens.create_token(user, label)
    except Invalid as error:
        raise click.UsageError(str(error)) from None
    click.echo(token)


@eqia_cli.command("export")
@click.option("--id", "assessment_id", type=int, help="The assessment's id (as in its address).")
@click.option("--all", "everything", is_flag=True, help="Every version of every assessment.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to standard output.")
def export_command(assessment_id: int | None, everything: bool, output: str | None) -> None:
    """Write assessments as interchange JSON (docs/interchange.md)."""
    from eqia.interchange.exporter import backup, dumps, export
    from eqia.models import Assessment

    if (assessment_id is None) == (not everything):
        raise click.UsageError("Give either --id ID or --all.")
    if everything:
        text = dumps(backup(list(db.session.execute(select(Assessment)).scalars())))
    else:
        found = db.session.get(Assessment, assessment_id)
        if found is None:
            raise click.UsageError(f"There is no assessment with id {assessment_id}.")
        text = dumps(export(found))
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)


@eqia_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--as", "as_email", default="", help="Import as this user (by default each assessment's own "
              "author, if they have an account here). A restore needs an admin.")
@click.option("--restore", is_flag=True, help="Keep each version as it was (state, challenge, signatures, audit "
              "trail), after checking its hashes; admin only.")
def import_command(file, as_email: str, restore: bool) -> None:
    """Import interchange JSON as new assessments, in their first state, or
    restore it as it was. Nothing is imported unless everything in the file can be."""
    from eqia.interchange.importer import FILE_MAX, BadDocument, DocumentProblem, import_documents, parse
    from eqia.interchange.restore import restore_documents
    from eqia.admin.users import find_user
    from eqia.services.errors import ServiceError

    chosen = None
    if as_email:
        chosen = find_user(as_email)
        if chosen is None:
            raise click.UsageError(f"There is no user {as_email}: make one with `flask eqia create-user`.")

    def importer(prefix: str, doc: dict) -> User:
        if chosen is not None:
            return chosen
        email = User.normalise_email(doc.get("created_by", {}).get("email", ""))
        author = find_user(email)
        if author is None:
            raise BadDocument([DocumentProblem(f"{prefix}.created_by.email",
                                               f"{email or 'The author'} has no account here: name the user to "
                                               "import as with --as EMAIL")])
        return author

    if restore and chosen is None:
        raise click.UsageError("A restore is an admin's: name yourself with --as EMAIL.")
    # The file's own name, not the server's directory: the trail is read by everyone who may see the version.
    name = os.path.basename(getattr(file, "name", "")) or "standard input"
    try:
        data = parse(file.read(FILE_MAX + 1))
        with unit_of_work():
            if restore:
                restored = restore_documents(data, chosen, source=f"file {name}")
            else:
                results = import_documents(data, importer, source=f"file {name}")
    except BadDocument as error:
        click.echo(f"Nothing was imported: {name} has {len(error.document_problems)} problem(s):", err=True)
        for problem in error.document_problems:
            click.echo(f"- {problem}", err=True)
        sys.exit(1)
    except ServiceError as error:
        click.echo(f"Nothing was imported: {error}", err=True)
        sys.exit(1)
    if restore:
        for a, notes in restored:
            click.echo(f"Restored {a.display_reference} (id {a.id}), {a.state}: {a.title}")
            for note in notes:
                click.echo(f"  note: {note}")
        return
    for result in results:
        a = result.assessment
        click.echo(f"Imported {a.reference} (id {a.id}): {a.title}")
        for note in result.notes:
            click.echo(f"  note: {note}")


@eqia_cli.command("send-notifications")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Send at most this many in this run.")
def send_notifications(limit: int) -> None:
    """Send queued notification e-mails through the configured SMTP server.
    Safe to run several at once; exit 1 if any attempt failed."""
    from eqia.notifications import delivery
    from eqia.notifications.sender import Unreachable

    try:
        report = delivery.send(current_app.config, limit)
    except Unreachable as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    _print(report)


@eqia_cli.command("list-failed-notifications")
def list_failed_notifications() -> None:
    """List the notification e-mails set aside after failing, with what each met."""
    from eqia.notifications import delivery

    _print(delivery.failed_report(current_app.config))


@eqia_cli.command("retry-notifications")
@click.option("--id", "message_ids", type=int, multiple=True, help="A failed notification's number (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every failed notification.")
def retry_notifications(message_ids: tuple[int, ...], everything: bool) -> None:
    """Put failed notification e-mails back in the queue, with their attempts counted afresh."""
    from eqia.notifications import delivery
    from eqia.notifications.outbox import NotFailed

    if bool(message_ids) == everything:
        raise click.UsageError("Give either --id ID (as many as you like) or --all.")
    try:
        with unit_of_work():
            report = delivery.retry(None if everything else list(message_ids))
    except NotFailed as error:
        raise click.UsageError(str(error)) from None
    _print(report)


@eqia_cli.command("tick")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Do the day's work for this date (YYYY-MM-DD, today or before) instead of today in London: "
                   "for a day missed.")
def tick(day) -> None:
    """Run the sweep now, as each worker does every few minutes: the day's work
    (review dates that have come) once per day however often it runs, and a
    delivery of the notifications due. Safe to run from cron, and beside workers."""
    from eqia.local_time import local_date
    from eqia.models import utcnow
    from eqia.services.sweep import run_sweep

    now = utcnow()
    today = day.date() if day else None
    if today is not None and today > local_date(now):
        raise click.BadParameter("Give today's date or an earlier one: the sweep never does a day's work "
                                 "before the day.", param_hint="--date")
    with unit_of_work():
        report = run_sweep(now, today)
    for line in report.lines:
        click.echo(line)


@eqia_cli.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1, max=64),
              help="Tasks run at once (threads).")
def worker(workers: int) -> None:
    """Run the background tasks (notification e-mails, the PDFs of drafts just
    saved, the sweep every ten minutes) from the task queue (EQIA_QUEUE_URL)
    until stopped. Ctrl-C (SIGINT) lets the tasks under way finish, then stops;
    SIGTERM stops at once. Run as many as you like."""
    from eqia.tasks import consumer

    consumer(current_app._get_current_object(), workers).run()


def _print(report: Report) -> None:
    """Print a report's lines; exit 1 if it says something failed."""
    for line in report.lines:
        click.echo(line)
    if not report.ok:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(eqia_cli)
