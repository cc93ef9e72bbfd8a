"""Log lines: JSON objects with the request's id on every line written while it
is served, one access line a request, and nothing personal or secret in any of
them. The lines are read from the app's own handler (eqia.logs.handler)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from eqia import logs
from eqia.config import ConfigError, from_environment
from tests.conftest import PASSWORD
from tests.test_api import Api


@pytest.fixture
def log_lines():
    """Everything logged at INFO and above while the test runs, as the production handler writes it."""
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    lines.text = stream.getvalue
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "eqia.access"]


def test_no_email_password_token_cookie_or_query_string_is_ever_logged(client, world, log_lines):
    # A sign-in that fails then one that works, a page with a query string, and the API with a token.
    assert client.post("/sign-in", data={"email": world.author.email, "password": "wrong " + PASSWORD}).status_code == 200
    assert client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD}).status_code == 302
    cookie = client.get_cookie("session", domain="eqia.test").value
    assert client.get("/assessments?q=needle-in-the-query").status_code == 200
    api = Api(client).as_user(world.author)
    assert api.get("/assessments?page=1&needle=query-secret").status_code == 200

    text = log_lines.text()
    for secret in (world.author.email, "author@", PASSWORD, api.token, cookie, "needle-in-the-query", "query-secret"):
        assert secret not in text, secret
    seen = [(line["method"], line["path"], line["status"]) for line in access_lines(log_lines())]
    assert seen == [("POST", "/sign-in", 200), ("POST", "/sign-in", 302), ("GET", "/assessments", 200),
                    ("GET", "/api/v1/assessments", 200)]
    # The user by id only: nobody on the failed sign-in, the author from the moment they are signed in.
    assert [line["user_id"] for line in access_lines(log_lines())] == [None, *[world.author.id] * 3]


def test_every_line_of_a_request_carries_its_id_which_the_response_returns(make_app, world, log_lines):
    app = make_app(WTF_CSRF_ENABLED=True)  # a sign-in without a CSRF token is logged as a warning
    client = app.test_client()
    response = client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD},
                           headers={logs.REQUEST_ID_HEADER: "lb-7f3a.42:x"})
    assert response.status_code == 400
    assert response.headers[logs.REQUEST_ID_HEADER] == "lb-7f3a.42:x"
    lines = log_lines()
    # A library's line (Flask-WTF's), ours, and the access line.
    assert [line["logger"] for line in lines] == ["flask_wtf.csrf", "eqia.views.errors", "eqia.access"]
    assert {line["request_id"] for line in lines} == {"lb-7f3a.42:x"}
    access = lines[-1]
    assert access["level"] == "INFO" and access["status"] == 400 and isinstance(access["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["time"])


def test_a_request_id_that_is_not_sane_is_replaced_by_one_of_ours(client, log_lines):
    made = set()
    for offered in ("", "has space", 'quote"d', "x" * 129, "<script>", "-leading-dash", "caf\u00e9"):
        response = client.get("/healthz", headers={logs.REQUEST_ID_HEADER: offered} if offered else {})
        ours = response.headers[logs.REQUEST_ID_HEADER]
        assert re.fullmatch(r"[0-9a-f]{32}", ours), offered
        assert access_lines(log_lines())[-1]["request_id"] == ours
        made.add(ours)
    assert len(made) == 7  # one for each request


def test_a_secret_in_the_path_is_masked_and_a_forged_line_break_escaped(app, log_lines):
    """A link's one-time token (a URL argument named `token`) is the key to an account: it never reaches a log."""
    app.add_url_rule("/example/<token>/<int:token_id>", "example", lambda token, token_id: "ok")
    stream = io.StringIO()
    plain = logs.handler("plain", stream)
    logging.getLogger().addHandler(plain)
    try:
        client = app.test_client()
        assert client.get("/example/one-time-abc123/7").status_code == 200
        assert client.get("/no-such-page%0AINFO forged line").status_code == 404
    finally:
        logging.getLogger().removeHandler(plain)
    paths = [line["path"] for line in access_lines(log_lines())]
    assert paths == [f"/example/{logs.MASK}/7", "/no-such-page\\x0aINFO forged line"]
    assert "one-time-abc123" not in log_lines.text() + stream.getvalue()
    written = stream.getvalue().splitlines()
    assert len(written) == 2 and all(" INFO eqia.access [" in line for line in written)


def test_production_writes_json_development_plain_and_a_wrong_choice_stops_start_up():
    production = {"SECRET_KEY": "k", "EQIA_AUDIT_KEY": "a"}
    assert from_environment(production)["EQIA_LOG_FORMAT"] == "json"
    assert from_environment({"EQIA_ENV": "development"})["EQIA_LOG_FORMAT"] == "plain"
    assert from_environment({**production, "EQIA_LOG_FORMAT": "plain"})["EQIA_LOG_FORMAT"] == "plain"
    assert from_environment(production)["EQIA_LOG_LEVEL"] == "INFO"
    with pytest.raises(ConfigError, match="EQIA_LOG_FORMAT must be one of json, plain, not 'xml'"):
        from_environment({**production, "EQIA_LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="EQIA_LOG_LEVEL must be one of"):
        from_environment({**production, "EQIA_LOG_LEVEL": "LOUD"})
