"""The suite's shared template cache (tests/quick_templates.py) never serves a template's old code: a
template changed on disk is compiled again for the next app, and apps share one compiled copy otherwise."""

from __future__ import annotations

import flask
from jinja2 import FileSystemLoader

from tests.quick_templates import SHARED, QuickEnvironment


def _app(folder) -> flask.Flask:
    app = flask.Flask("cache-check", template_folder=str(folder))
    app.jinja_loader = FileSystemLoader(str(folder))
    return app


def test_a_template_changed_on_disk_is_compiled_again_and_an_unchanged_one_is_shared(tmp_path):
    assert flask.Flask.jinja_environment is QuickEnvironment  # as tests/conftest.py sets it
    page = tmp_path / "page.html"
    page.write_text("first {{ word }}", encoding="utf-8")
    one, two = _app(tmp_path), _app(tmp_path)
    with one.app_context():
        assert flask.render_template("page.html", word="draw") == "first draw"
    kept = dict(SHARED.kept)
    with two.app_context():
        assert flask.render_template("page.html", word="again") == "first again"
    assert SHARED.kept == kept  # the second app took the first one's code
    page.write_text("second {{ word }}", encoding="utf-8")
    with _app(tmp_path).app_context():
        assert flask.render_template("page.html", word="draw") == "second draw"
