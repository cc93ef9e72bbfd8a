"""Log lines: one JSON object a line in production, for the council's log
collector; plain text in development, for the person at the terminal
(EQIA_LOG_FORMAT, eqia/config.py).

Every line written while a request is served carries the request's id (the
caller's X-Request-Id when it is a sane one, else one made here), and the
response carries it back, so a user's "it failed at 10:32" and a proxy's log
find the same lines. Each request ends with one access line: method, path,
status, duration and the user's id.

Nothing personal or secret is written by this module: never a query string
(search terms, tokens in links), never a cookie or header, never an e-mail
address (the user is their id), and a path's secret parts (a URL argument
named `token`) are masked. docs/operating.md says what the lines hold.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy import inspect

from eqia.responses import is_api_request

REQUEST_ID_HEADER = "X-Request-Id"
# A correlation id from a proxy or a caller: letters, digits and a few separators (a UUID, a trace id),
# nothing that could forge a line or fill the log.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_ID_KEY = "eqia.request_id"
_STARTED_KEY = "eqia.request_started"
# URL arguments whose value is a secret (a link's one-time token), masked in the access line's path.
SECRET_ARGUMENTS = re.compile(r"(^|_)token$")
MASK = "[secret]"
LONGEST_PATH = 500
PLAIN = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

access = logging.getLogger("eqia.access")


def request_id() -> str | None:
    return request.environ.get(_ID_KEY) if has_request_context() else None


class RequestContext(logging.Filter):
    """Puts the request's id on every record a handler of ours writes (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    # What an access line adds beside its message (eqia.logs.access_line).
    FIELDS = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        entry.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def handler(log_format: str, stream=None) -> logging.Handler:
    """A handler writing `log_format` ("json" or "plain") lines to `stream` (standard error)."""
    made = logging.StreamHandler(stream or sys.stderr)
    made.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(PLAIN))
    made.addFilter(RequestContext())
    made.eqia_handler = True  # so a second app in the process replaces it rather than doubling every line
    return made


def install(log_format: str, level: str) -> None:
    """The process's one handler, on the root logger: every library's lines go through it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "eqia_handler", False)]:
        root.removeHandler(old)
    root.addHandler(handler(log_format))
    root.setLevel(level)


def reason(error: BaseException) -> str:
    """What failed, for an operator: the driver's class and the first line of its message ("OperationalError:
    unable to open database file"). Never a statement's parameters (the engine hides them, eqia/config.py);
    the drivers' connection messages name a host and a database user, never a password."""
    error = getattr(error, "orig", None) or error
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {_printable(lines[0][:200]) if lines else ''}"


def _printable(text: str) -> str:
    """A path as one line: a decoded %0A must not start a forged line in the plain format."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:LONGEST_PATH])


def _logged_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if SECRET_ARGUMENTS.search(name) and str(value):
            path = path.replace(str(value), MASK)
    return _printable(path)


def _user_id() -> int | None:
    """The signed-in user's (or the API caller's) id, read from the identity SQLAlchemy already holds: asking
    the row itself could query the database after the request's commit, or during an outage."""
    user = g.get("api_user") if is_api_request() else g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def _begin() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request.environ[_ID_KEY] = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    request.environ[_STARTED_KEY] = time.perf_counter()


def _end(response: Response) -> Response:
    started = request.environ.get(_STARTED_KEY)
    if request.environ.get(_ID_KEY) is None:  # a request refused before the first before_request ran
        _begin()
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    fields = {"method": request.method, "path": _logged_path(), "status": response.status_code,
              "duration_ms": duration_ms, "user_id": _user_id()}
    access.info("%(method)s %(path)s %(status)s %(duration_ms)sms user=%(user_id)s", fields, extra=fields)
    response.headers[REQUEST_ID_HEADER] = request.environ[_ID_KEY]
    return response


def init_app(app: Flask) -> None:
    """Call after eqia.unit_of_work.init_app: this after_request function is put first so it runs last
    (Flask runs them in reverse), once the request's commit has answered and the status is final."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request_funcs.setdefault(None, []).insert(0, _end)
    if not app.testing:  # the suite reads lines with handlers of its own (tests/test_logging.py)
        install(app.config["EQIA_LOG_FORMAT"], app.config["EQIA_LOG_LEVEL"])
        app.logger.removeHandler(default_handler)  # Flask's own, in debug: the root's handler writes its lines
