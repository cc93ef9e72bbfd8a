"""The suite makes an app for every test, and Werkzeug compiles two URL-building functions for each of the
app's rules every time (Python source built as a syntax tree and compiled): a third of making an app. Those
functions depend only on the rule's parsed form and defaults, so the suite compiles each once per process
and every later app's identical rule takes the same one. The service itself uses Werkzeug's Rule as it is;
tests/test_quick_rules.py checks the two build every URL alike."""

from __future__ import annotations

from werkzeug.routing import Rule


class QuickRule(Rule):
    _builders: dict = {}

    def _compile_builder(self, append_unknown: bool = True):
        key = (tuple(self._trace), tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())),
               append_unknown)
        builder = QuickRule._builders.get(key)
        if builder is None:
            builder = QuickRule._builders[key] = super()._compile_builder(append_unknown)
        return builder
