"""GOV.UK Frontend's compiled CSS, JavaScript, fonts and images, served from the
npm package installed by `make` (never from a CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)

# The stylesheet refers to fonts and images under /assets/, its default path.
FRONTEND_FILES = frozenset({"govuk-frontend.min.css", "govuk-frontend.min.js"})
ONE_YEAR = 365 * 24 * 3600


def _dist() -> Path:
    return Path(current_app.config["GOVUK_FRONTEND_DIR"])


@bp.route("/assets/<path:filename>")
def frontend_asset(filename: str):
    return send_from_directory(_dist() / "assets", filename, max_age=ONE_YEAR)


@bp.route("/govuk-frontend/<filename>")
def frontend_bundle(filename: str):
    if filename not in FRONTEND_FILES:
        abort(404)
    return send_from_directory(_dist(), filename, max_age=ONE_YEAR)
