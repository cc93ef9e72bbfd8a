"""EqIA: an Equality Impact Assessment workflow engine for UK public bodies.

`create_app` builds everything: configuration, extensions, the workflow
definitions and characteristic set (checked at start-up), templates, views and
commands. Request flow: form (eqia.forms) -> view (eqia.views) -> service
(eqia.services) -> workflow (eqia.workflow) -> model (eqia.models) -> audit.

The factory lives in `eqia.app` and is imported only when called, so a process
that needs one part (the PDF renderer's worker, say) does not load the whole
web application with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# govuk-frontend-jinja 3.10.0 targets exactly this release (package.json pins it).
GOVUK_FRONTEND_VERSION = "5.14.0"


def create_app(overrides: dict[str, Any] | None = None) -> "Flask":
    from eqia.app import create_app as build

    return build(overrides)

