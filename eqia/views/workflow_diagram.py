"""The workflow drawn from its definition, with the same facts as a table."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required
from markupsafe import Markup

from eqia.loaded_definitions import DEFAULT_WORKFLOW, workflows
from eqia.diagram.svg import render_svg

bp = Blueprint("workflow", __name__, url_prefix="/workflow")


@bp.route("/", defaults={"name": DEFAULT_WORKFLOW})
@bp.route("/<name>")
@login_required
def diagram(name: str):
    try:
        definition = workflows().current(name)
    except LookupError:
        abort(404)
    # render_svg escapes every text it draws from the definition.
    return render_template("workflow.html", definition=definition, svg=Markup(render_svg(definition)))
