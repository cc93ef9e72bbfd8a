"""The suite makes an app for every test, and each app's Jinja environment compiled every template it drew
afresh: the layout and the GOV.UK macros, about 190 ms on the first page of each test. Jinja's own
bytecode cache keeps each template's compiled code by its name and a checksum of its source; here one cache
in memory serves every app a test process makes, so a template is compiled once per process, and again only
if its source changes. The service makes one app and uses Jinja as it is."""

from __future__ import annotations

import flask
from flask.templating import Environment
from jinja2 import BytecodeCache


class InMemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self.kept.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self.kept[bucket.key] = bucket.bytecode_to_string()


SHARED = InMemoryBytecodeCache()


class QuickEnvironment(Environment):
    def __init__(self, app: flask.Flask, **options) -> None:
        options.setdefault("bytecode_cache", SHARED)
        super().__init__(app, **options)
