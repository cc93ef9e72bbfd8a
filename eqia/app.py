"""The application factory: configuration, extensions, the workflow definitions
and characteristic set (checked at start-up), templates, views and commands."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader, StrictUndefined, Undefined
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from eqia import config as config_module
from eqia.characteristics import load_characteristics, profile_path
from eqia.frameworks.definition import frameworks
from eqia.config import PROJECT_ROOT
from eqia.extensions import csrf, db, limiter, login_manager, migrate
from eqia.models.types import DATABASE_INT_MAX
import eqia.registered  # noqa: F401  (the EqIA's rules, notices and subject, before a definition loads)
from eqia.workflow.definition import load_definitions

WORKFLOW_SCHEMA_DIR = PROJECT_ROOT / "workflows"


class DatabaseId(IntegerConverter):
    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", DATABASE_INT_MAX)
        super().__init__(map, *args, **kwargs)


class TemplateUndefined(StrictUndefined):
    """Strict where it matters: printing an undefined value, reading an
    attribute of one, comparing or doing arithmetic with one raises. Testing one
    for truth (false), its length (0), iterating it (nothing) and comparing it
    for equality are allowed,
    because the GOV.UK macros probe every optional parameter that way."""

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(())

    # The macros compare values against the name `undefined` itself.
    __eq__ = Undefined.__eq__
    __ne__ = Undefined.__ne__
    __hash__ = Undefined.__hash__


def _flask_command() -> str | None:
    """The `flask` command this app is being built for (`run`, `eqia`, or the
    top-level `flask` while it lists its commands), or None outside the command."""
    from flask.cli import FlaskGroup

    ctx = click.get_current_context(silent=True)
    if ctx is None or not isinstance(ctx.find_root().command, FlaskGroup):
        return None
    return ctx.info_name if ctx.parent is not None else ctx.find_root().info_name


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    command = _flask_command()
    if command is None:
        return _create_app(overrides)
    try:
        return _create_app(overrides, serving=command == "run")
    except config_module.ConfigError as error:
        # One line, as `flask` says any other mistake in how it was called; never a traceback.
        raise click.ClickException(str(error)) from None


def _create_app(overrides: dict[str, Any] | None = None, *, serving: bool = True) -> Flask:
    overrides = overrides or {}
    app = Flask(
        "eqia",  # the package: its name and root path, whichever module builds it
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    environ = dict(os.environ)
    for name in ("SECRET_KEY", "EQIA_AUDIT_KEY"):
        if name in overrides:
            environ[name] = overrides[name]
    settings = config_module.from_environment(environ, serving=serving)
    app.config.update(settings)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["EQIA_TRUSTED_PROXIES"]:
        # Only as many X-Forwarded-For entries as there are proxies of our own: anything before
        # them the client wrote.
        proxies = app.config["EQIA_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    if app.config.get("PASSWORD_HASHING") == "cheap":
        if not app.testing:
            raise config_module.ConfigError("PASSWORD_HASHING=cheap is for the test suite only")
        from eqia.models.people import use_cheap_password_hashing

        use_cheap_password_hashing()

    app.jinja_env.undefined = TemplateUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(PROJECT_ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
            # The PDF's own templates, as "pdf/...": never served as pages.
            "pdf": FileSystemLoader(str(PROJECT_ROOT / "pdf_templates")),
        }),
    ])

    # Definitions and configuration are checked now, so a mistake stops start-up
    # rather than surfacing on the first user who reaches the bad transition.
    app.extensions["eqia"] = {
        "workflows": load_definitions(Path(app.config["EQIA_WORKFLOWS_DIR"])),
        # An action plan's workflows, apart: no EqIA list, filter or count reads them.
        "plan_workflows": load_definitions(Path(app.config["EQIA_PLAN_WORKFLOWS_DIR"]), WORKFLOW_SCHEMA_DIR),
        # The lead's cumulative judgements' workflows, apart likewise.
        "cumulative_workflows": load_definitions(Path(app.config["EQIA_CUMULATIVE_WORKFLOWS_DIR"]),
                                                 WORKFLOW_SCHEMA_DIR),
        # EQIA_PROFILE names the profile; EQIA_CHARACTERISTICS, older, a file's path.
        "characteristics": load_characteristics(profile_path(app.config["EQIA_PROFILE"]
                                                             or app.config["EQIA_CHARACTERISTICS"] or None)),
        # The frameworks a self-assessment rates against (eqia/data/frameworks/).
        "frameworks": frameworks(),
        "profiles": {},  # others, loaded when an assessment made under one is shown (loaded_definitions.profile_for)
    }

    _bound_database_connects(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    WTFormsHelpers(app)

    # Every <int:...> in a URL is an id: anything beyond a database integer is no
    # such page (a 404), never an overflow in the driver (a 500).
    app.url_map.converters["int"] = DatabaseId

    from eqia import api, auth, cli, i18n, logs, security, templating, unit_of_work
    from eqia.notifications import listeners as notifications
    from eqia.services import figure_refresh, freeze, prerender, version_pdfs
    from eqia.tasks import figures as figures_task
    from eqia.tasks import render as render_task
    from eqia.views import register_views

    unit_of_work.init_app(app)
    logs.init_app(app)  # after the unit of work: its access line comes once the request has committed
    notifications.init_app(app)
    freeze.init_app(app)
    prerender.init_app(app, enqueue=render_task.queue_render)
    version_pdfs.init_app(app, enqueue=render_task.queue_record)
    figure_refresh.init_app(app, enqueue=figures_task.queue_working_out)
    security.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    register_views(app)
    app.register_blueprint(api.bp)
    cli.init_app(app)

    if app.config["EQIA_PDF_WORKERS"] and not app.testing:
        _warm_pdf_workers_on_first_request(app)

    # transitions logs every state entry at INFO; the audit trail is the record that matters.
    logging.getLogger("transitions").setLevel(logging.WARNING)
    # fontTools notes every table it trims when the PDF footer's font is cut (eqia/pdf/assemble.py).
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return app


def _warm_pdf_workers_on_first_request(app: Flask) -> None:
    """Not at start-up: `flask db upgrade` and the other commands build an app too."""
    warmed = []

    @app.before_request
    def warm() -> None:
        if not warmed:
            warmed.append(True)
            from eqia.pdf.worker import pool

            pool(app.config["EQIA_PDF_WORKERS"]).warm()


def _bound_database_connects(app: Flask) -> None:
    """A PostgreSQL that takes the connection and never answers (behind a firewall that drops packets, or
    stuck) holds a page, a worker or /readyz for EQIA_DB_CONNECT_SECONDS, not for the system's minutes:
    the page answers 503 (eqia/views/errors.py) and /readyz says the database is down."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {"connect_timeout": app.config["EQIA_DB_CONNECT_SECONDS"],
                               **(options.get("connect_args") or {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
