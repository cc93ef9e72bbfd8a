"""No URL disappears unnoticed: the route list is pinned here."""

from __future__ import annotations

EXPECTED = {
    ("GET", "/"),
    ("GET", "/sign-in"), ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    # Forgotten passwords, and the e-mailed link (a reset's or an invitation's) that sets one (issue 17).
    ("GET", "/forgotten-password"), ("POST", "/forgotten-password"), ("GET", "/forgotten-password/sent"),
    ("GET", "/password-link/<token>"), ("POST", "/password-link/<token>"),
    # An admin invites a person (issue 17): its own blueprint beside the user administration pages.
    ("GET", "/admin/users/invite"), ("POST", "/admin/users/invite"),
    # Single sign-on (eqia/views/single_sign_on.py): off to the provider, back, waiting for a role, and
    # confirming who you are there before a signature.
    ("GET", "/sign-in/sso"), ("GET", "/sign-in/sso/callback"), ("GET", "/sign-in/sso/invitation/<token>"),
    ("GET", "/sign-in/waiting"),
    ("POST", "/assessments/<int:assessment_id>/actions/<trigger>/confirm-identity"),
    ("POST", "/programme/<subject>/<int:record_id>/actions/<trigger>/confirm-identity"),
    # The switch between English and Welsh on every page (issue 17).
    ("GET", "/language/<code>"), ("POST", "/language/<code>"),
    ("GET", "/my-work"),
    # Actions across assessments: the ones a user owns, and the lead's overdue ones (issue 16).
    ("GET", "/my-actions"), ("GET", "/actions/overdue"), ("GET", "/actions/overdue.csv"),
    ("GET", "/assessments"),
    ("GET", "/assessments/new"), ("POST", "/assessments/new"),
    ("GET", "/assessments/<int:assessment_id>"),
    # Its author says which activity of the register it assesses (issue 18).
    ("POST", "/assessments/<int:assessment_id>/activity"),
    ("GET", "/assessments/<int:assessment_id>/details"), ("POST", "/assessments/<int:assessment_id>/details"),
    ("GET", "/assessments/<int:assessment_id>/screening"), ("POST", "/assessments/<int:assessment_id>/screening"),
    ("GET", "/assessments/<int:assessment_id>/tasks"), ("GET", "/assessments/<int:assessment_id>/check"),
    ("GET", "/assessments/<int:assessment_id>/add-group"), ("POST", "/assessments/<int:assessment_id>/add-group"),
    *{(m, f"/assessments/<int:assessment_id>/{page}") for m in ("GET", "POST")
      for page in ("evidence", "consultation", "action-plan", "intersectional", "outcome", "groups/<characteristic>")},
    *{(m, f"/assessments/<int:assessment_id>/{kind}/{page}") for m in ("GET", "POST")
      for kind in ("evidence", "consultation", "action") for page in ("add", "<int:item_id>", "<int:item_id>/remove")},
    ("POST", "/assessments/<int:assessment_id>/action/<int:item_id>/move/<direction>"),
    # Progress on an action of a signed version, recorded beside the plan.
    *{(m, "/assessments/<int:assessment_id>/action/<int:item_id>/progress") for m in ("GET", "POST")},
    # At review, the impacts seen against those predicted; the monitoring report of a version, and its PDF.
    *{(m, "/assessments/<int:assessment_id>/actual-impacts") for m in ("GET", "POST")},
    ("GET", "/assessments/<int:assessment_id>/monitoring"), ("GET", "/assessments/<int:assessment_id>/monitoring.pdf"),
    ("GET", "/assessments/<int:assessment_id>/actions/<trigger>"),
    ("POST", "/assessments/<int:assessment_id>/actions/<trigger>"),
    *{(m, f"/assessments/<int:assessment_id>/{page}") for m in ("GET", "POST") for page in ("review", "respond")},
    ("GET", "/register"), ("GET", "/register.csv"), ("GET", "/register.json"),
    ("GET", "/register/<reference>/v<int:version>"), ("GET", "/register/<reference>/v<int:version>.pdf"),
    ("GET", "/assessments/<int:assessment_id>/pdf"), ("GET", "/assessments/<int:assessment_id>/docx"),
    ("GET", "/workflow/"), ("GET", "/workflow/<name>"),
    ("GET", "/assets/<path:filename>"), ("GET", "/govuk-frontend/<filename>"),
    ("GET", "/static/<path:filename>"),
    ("GET", "/account"), ("GET", "/account/password"), ("POST", "/account/password"), ("POST", "/account/tokens"),
    ("POST", "/account/tokens/<int:token_id>/revoke"),
    # Where you are signed in, and ending those sessions; the second factor (issue 17).
    ("GET", "/sign-in/code"), ("POST", "/sign-in/code"),
    ("GET", "/account/sessions"), ("POST", "/account/sessions/<int:session_id>/end"),
    ("POST", "/account/sessions/end-others"), ("POST", "/account/sessions/end-all"),
    ("GET", "/account/two-factor"), ("POST", "/account/two-factor/start"), ("POST", "/account/two-factor/confirm"),
    ("POST", "/account/two-factor/recovery-codes"), ("POST", "/account/two-factor/turn-off"),
    # The person's own notifications, and how they hear of each kind.
    ("GET", "/notifications"), ("POST", "/notifications/<int:notification_id>/read"),
    ("POST", "/notifications/read-all"),
    ("GET", "/account/notifications"), ("POST", "/account/notifications"),
    # Administration (issue 17): directorates and services, users, failed notifications, configuration.
    ("GET", "/admin"), ("GET", "/admin/directorates"), ("POST", "/admin/directorates"),
    ("GET", "/admin/directorates/<int:directorate_id>"), ("POST", "/admin/directorates/<int:directorate_id>"),
    ("POST", "/admin/directorates/<int:directorate_id>/retire"),
    ("POST", "/admin/directorates/<int:directorate_id>/services"),
    ("GET", "/admin/services/<int:service_id>"), ("POST", "/admin/services/<int:service_id>"),
    ("POST", "/admin/services/<int:service_id>/retire"),
    ("GET", "/admin/users"), ("GET", "/admin/users/<int:user_id>"), ("POST", "/admin/users/<int:user_id>"),
    ("POST", "/admin/users/<int:user_id>/deactivate"), ("POST", "/admin/users/<int:user_id>/reactivate"),
    ("GET", "/admin/notifications/failed"), ("POST", "/admin/notifications/failed/<int:message_id>/retry"),
    ("POST", "/admin/notifications/failed/retry-shown"),
    ("GET", "/admin/configuration"),
    # The council's equality programme (issue 18): the activity register, its import, and coverage.
    ("GET", "/programme"), ("GET", "/programme/coverage"), ("GET", "/programme/coverage.csv"),
    ("GET", "/programme/pipeline"), ("GET", "/programme/pipeline.csv"), ("GET", "/programme/follow-up"), ("GET", "/programme/cumulative"),
    ("GET", "/programme/heat-map"), ("GET", "/programme/heat-map.csv"), ("GET", "/programme/heat-map/assessments"),
    ("GET", "/programme/activities"), ("GET", "/programme/activities.csv"),
    ("GET", "/programme/activities/new"), ("POST", "/programme/activities/new"),
    ("GET", "/programme/activities/import"), ("POST", "/programme/activities/import"),
    ("GET", "/programme/activities/<int:activity_id>"),
    ("GET", "/programme/activities/<int:activity_id>/edit"), ("POST", "/programme/activities/<int:activity_id>/edit"),
    ("POST", "/programme/activities/<int:activity_id>/retire"),
    ("POST", "/programme/activities/<int:activity_id>/links"),
    ("POST", "/programme/activities/<int:activity_id>/links/<reference>/remove"),
    # The lead's cumulative judgement on a programme: started from its side by side, written, challenged and signed
    # through its own workflow; a change after signing is a new version.
    ("GET", "/programme/judgements"), ("POST", "/programme/judgements/new"),
    ("GET", "/programme/judgements/<int:judgement_id>"),
    ("GET", "/programme/judgements/<int:judgement_id>/edit"), ("POST", "/programme/judgements/<int:judgement_id>/edit"),
    ("GET", "/programme/judgements/<int:judgement_id>/judgement.pdf"),
    ("GET", "/programme/judgements/<int:judgement_id>/judgement.docx"),
    ("GET", "/programme/judgements/<int:judgement_id>/actions/<trigger>"),
    ("POST", "/programme/judgements/<int:judgement_id>/actions/<trigger>"),
    ("POST", "/programme/judgements/<int:judgement_id>/new-version"),
    # Equality action plans: made, written, agreed and adopted through their own workflow, then tracked.
    ("GET", "/programme/plans"), ("GET", "/programme/plans/new"), ("POST", "/programme/plans/new"),
    ("GET", "/programme/plans/<int:plan_id>"), ("GET", "/programme/plans/<int:plan_id>.csv"),
    ("GET", "/programme/plans/<int:plan_id>.xlsx"),
    ("GET", "/programme/plans/<int:plan_id>/import"), ("POST", "/programme/plans/<int:plan_id>/import"),
    ("GET", "/programme/plans/<int:plan_id>/rows/new"), ("POST", "/programme/plans/<int:plan_id>/rows/new"),
    ("GET", "/programme/plans/<int:plan_id>/rows/<int:row_id>"),
    ("POST", "/programme/plans/<int:plan_id>/rows/<int:row_id>"),
    ("POST", "/programme/plans/<int:plan_id>/rows/<int:row_id>/remove"),
    ("GET", "/programme/plans/<int:plan_id>/rows/<int:row_id>/progress"),
    ("POST", "/programme/plans/<int:plan_id>/rows/<int:row_id>/progress"),
    ("GET", "/programme/plans/<int:plan_id>/actions/<trigger>"),
    ("POST", "/programme/plans/<int:plan_id>/actions/<trigger>"),
    # Its progress report for a committee: a page choosing the period, then the PDF or the Word copy.
    ("GET", "/programme/plans/<int:plan_id>/report"), ("GET", "/programme/plans/<int:plan_id>/report.pdf"),
    ("GET", "/programme/plans/<int:plan_id>/report.docx"),
    # The Equality Framework self-assessment: rated criterion by criterion, beside last year's; gaps into a plan.
    ("GET", "/programme/framework"), ("GET", "/programme/framework/new"), ("POST", "/programme/framework/new"),
    ("GET", "/programme/framework/<int:self_assessment_id>"),
    ("GET", "/programme/framework/<int:self_assessment_id>/criteria/<criterion>"),
    ("POST", "/programme/framework/<int:self_assessment_id>/criteria/<criterion>"),
    ("GET", "/programme/framework/<int:self_assessment_id>/gaps"),
    ("POST", "/programme/framework/<int:self_assessment_id>/gaps"),
    ("GET", "/programme/framework/<int:self_assessment_id>.csv"),
    ("GET", "/programme/framework/<int:self_assessment_id>/report.pdf"),
    ("GET", "/programme/framework/<int:self_assessment_id>/report.docx"),
    # The golden thread: service plan objectives and indicators, the items tagged to them, the report per service.
    ("GET", "/programme/objectives"), ("GET", "/programme/objectives/new"), ("POST", "/programme/objectives/new"),
    ("GET", "/programme/objectives/<int:objective_id>/edit"),
    ("POST", "/programme/objectives/<int:objective_id>/edit"),
    ("POST", "/programme/objectives/<int:objective_id>/retire"),
    ("GET", "/programme/objectives/services/<int:service_area_id>"),
    ("GET", "/programme/objectives/services/<int:service_area_id>.csv"), ("GET", "/programme/objectives/tags.csv"),
    ("POST", "/programme/objectives/tags/actions/<int:action_id>"),
    ("POST", "/programme/objectives/tags/rows/<int:row_id>"), ("POST", "/programme/objectives/tags/<int:tag_id>/remove"),
    # The JSON API (eqia/api/).
    ("GET", "/api/v1/assessments"), ("POST", "/api/v1/assessments"),
    ("GET", "/api/v1/assessments/<int:assessment_id>"), ("PUT", "/api/v1/assessments/<int:assessment_id>"),
    ("GET", "/api/v1/schema/assessment.json"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/actions/<trigger>"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/challenge-points"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/challenge-answers"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/groups"),
    ("GET", "/api/v1/assessments/<int:assessment_id>/pdf"),
    ("GET", "/api/v1/assessments/<int:assessment_id>/actions"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/actions/<int:item_id>/updates"),
    ("GET", "/api/v1/register"), ("GET", "/api/v1/openapi.json"),
    # The activity register (issue 18), for those who keep it.
    ("GET", "/api/v1/activities"), ("POST", "/api/v1/activities"),
    ("GET", "/api/v1/activities/<int:activity_id>"), ("PUT", "/api/v1/activities/<int:activity_id>"),
    ("POST", "/api/v1/activities/<int:activity_id>/retire"), ("POST", "/api/v1/activities/<int:activity_id>/links"),
    ("DELETE", "/api/v1/activities/<int:activity_id>/links/<reference>"),
    # For the load balancer and the monitoring (docs/operating.md).
    ("GET", "/healthz"), ("GET", "/readyz"),
}


def test_route_list_is_as_expected(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == EXPECTED


def test_an_id_beyond_a_database_integer_is_not_found_not_a_server_error(client, auth, world):
    auth.sign_in(world.author)
    for path in ("/assessments/2147483648", "/assessments/99999999999999999999999/pdf",
                 "/assessments/1/evidence/9223372036854775808"):
        assert client.get(path).status_code == 404, path


# What anyone may read and a shared cache may keep: the public register's downloads, its signed PDFs, the
# API's description of itself, and the design system's files. Everything else may carry personal or draft
# content (a signed-in page, the API, a draft PDF or Word file) and must never be stored by any cache.
CACHEABLE = {
    "/register.csv", "/register.json", "/register/<reference>/v<int:version>.pdf",
    "/api/v1/register", "/api/v1/openapi.json", "/api/v1/schema/assessment.json",
    "/assets/<path:filename>", "/govuk-frontend/<filename>", "/static/<path:filename>",
}


def test_only_public_responses_may_be_cached_on_every_route(app, client, auth, world):
    import re

    from tests.test_api import Api

    draft = world.make_assessment("screening")
    published = world.make_assessment("published")
    values = {"assessment_id": draft.id, "reference": published.reference, "version": published.version_number,
              "trigger": "start_full_assessment", "item_id": 1, "token_id": 1, "notification_id": 1, "session_id": 1,
              "characteristic": "age", "token": "no-such-token",
              "direction": "up", "name": "standard", "filename": "images/favicon.svg",
              "directorate_id": 1, "service_id": 1, "user_id": 1, "message_id": 1, "code": "cy",
              "activity_id": 1, "plan_id": 1, "judgement_id": 1, "row_id": 1, "self_assessment_id": 1,
              "criterion": "leadership", "subject": "cumulative_judgement", "record_id": 1,
              "objective_id": 1, "service_area_id": 1, "action_id": 1, "tag_id": 1}
    files = {"/govuk-frontend/<filename>": "govuk-frontend.min.css", "/static/<path:filename>": "app.css"}
    api = Api(client).as_user(world.author)
    assert CACHEABLE <= {rule for _, rule in EXPECTED}
    for method, rule in sorted(EXPECTED):
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(files.get(rule) or values[m.group(1)]), rule)
        auth.sign_in(world.author)
        with client.open(url, method=method, headers=api._headers()) as response:
            cache = response.headers.get("Cache-Control", "")
            if rule in CACHEABLE and method == "GET":
                assert response.status_code == 200, (url, response.status_code)
                assert cache and "no-store" not in cache and "private" not in cache, (url, cache)
            else:
                assert cache == "no-store" and response.headers.get("Pragma") == "no-cache", \
                    (method, url, response.status_code, cache)


def test_a_draft_pdf_and_word_file_are_never_stored(client, auth, world):
    draft = world.make_assessment("screening")
    auth.sign_in(world.author)
    for kind in ("pdf", "docx"):
        response = client.get(f"/assessments/{draft.id}/{kind}")
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", kind


HOSTILE_HOST = "evil.example"


def test_absolute_links_come_from_the_configured_base_url_never_the_host_header(make_app, world):
    from eqia.interchange.exporter import export
    from tests.test_api import Api

    app = make_app(SERVER_NAME=None, EQIA_BASE_URL="https://eqia.council.example/equality")
    client = app.test_client()
    base = "https://eqia.council.example/equality/"
    published = world.make_assessment("published")
    draft = world.make_assessment("screening")
    doc = export(world.make_assessment())
    api = Api(client).as_user(world.author)
    hostile = {"base_url": f"http://{HOSTILE_HOST}"}

    csv = client.get("/register.csv", **hostile).get_data(as_text=True)
    assert f"{base}register/{published.reference}/v{published.version_number}" in csv
    listed = client.get("/register.json", **hostile).get_json()["assessments"]
    assert [row["url"].startswith(base) for row in listed] == [True]
    registered = client.get("/api/v1/register", **hostile).get_json()["items"]
    assert [row["url"].startswith(base) for row in registered] == [True]
    assert client.get("/api/v1/openapi.json", **hostile).get_json()["servers"] == [{"url": base + "api/v1"}]
    detail = api.get(f"/assessments/{draft.id}", **hostile).get_json()
    links = [detail["href"], detail["pdf"], *(a["href"] for a in detail["allowed_actions"])]
    assert links and all(link.startswith(base + "api/v1/assessments/") for link in links), links
    assert all(row["href"].startswith(base) for row in api.get("/assessments", **hostile).get_json()["items"])
    created = api.post("/assessments", json=doc, **hostile)
    assert created.status_code == 201 and created.headers["Location"].startswith(base + "api/v1/assessments/")
    for response in (client.get("/register.csv", **hostile), api.get(f"/assessments/{draft.id}", **hostile),
                     api.get("/assessments", **hostile), client.get("/api/v1/openapi.json", **hostile)):
        assert HOSTILE_HOST not in response.get_data(as_text=True)


def test_the_base_url_must_be_a_web_address():
    import pytest

    from eqia.config import ConfigError, from_environment

    for bad in ("eqia.council.example", "ftp://eqia.council.example", "https://"):
        with pytest.raises(ConfigError, match="EQIA_BASE_URL must be the service's address"):
            from_environment({"EQIA_ENV": "development", "EQIA_BASE_URL": bad})
    assert from_environment({"EQIA_ENV": "development", "EQIA_BASE_URL": "https://x.example/eqia/"})[
        "EQIA_BASE_URL"] == "https://x.example/eqia"
