"""The suite's URL rules (tests/quick_rules.py) build exactly the URLs Werkzeug's own do, for every rule of
the app: the functions they share between apps are the ones Werkzeug would have compiled."""

from __future__ import annotations

import flask
from werkzeug.routing import Rule

from tests.conftest import base_config
from tests.quick_rules import QuickRule

SAMPLES = {"DatabaseId": 7, "UnicodeConverter": "a b/é", "PathConverter": "a/b c"}


def _urls(app) -> dict:
    built = {}
    for rule in app.url_map.iter_rules():
        values = {name: SAMPLES[type(conv).__name__] for name, conv in rule._converters.items()}
        built[(rule.endpoint, rule.rule)] = (rule.build(values), rule.build({**values, "extra": "1"}))
    return built


def test_the_suites_rules_build_every_url_as_werkzeugs_do(database_url_for_test):
    from eqia import create_app

    assert flask.Flask.url_rule_class is QuickRule  # as tests/conftest.py sets it
    url = database_url_for_test
    quick = _urls(create_app(base_config(url)))
    flask.Flask.url_rule_class = Rule
    try:
        plain = _urls(create_app(base_config(url)))
    finally:
        flask.Flask.url_rule_class = QuickRule
    assert len(plain) > 100 and quick == plain
