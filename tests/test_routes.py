"""No URL disappears unnoticed: the route list is pinned here."""

from __future__ import annotations

EXPECTED = {
    ("GET", "/"),
    ("GET", "/sign-in"), ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    ("GET", "/my-work"),
    ("GET", "/assessments"),
    ("GET", "/assessments/new"), ("POST", "/assessments/new"),
    ("GET", "/assessments/<int:assessment_id>"),
    ("GET", "/assessments/<int:assessment_id>/details"), ("POST", "/assessments/<int:assessment_id>/details"),
    ("GET", "/assessments/<int:assessment_id>/screening"), ("POST", "/assessments/<int:assessment_id>/screening"),
    ("GET", "/assessments/<int:assessment_id>/tasks"), ("GET", "/assessments/<int:assessment_id>/check"),
    ("GET", "/assessments/<int:assessment_id>/add-group"), ("POST", "/assessments/<int:assessment_id>/add-group"),
    *{(m, f"/assessments/<int:assessment_id>/{page}") for m in ("GET", "POST")
      for page in ("evidence", "consultation", "action-plan", "intersectional", "outcome", "groups/<characteristic>")},
    *{(m, f"/assessments/<int:assessment_id>/{kind}/{page}") for m in ("GET", "POST")
      for kind in ("evidence", "consultation", "action") for page in ("add", "<int:item_id>", "<int:item_id>/remove")},
    ("POST", "/assessments/<int:assessment_id>/action/<int:item_id>/move/<direction>"),
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
    # The JSON API (eqia/api/).
    ("GET", "/api/v1/assessments"), ("POST", "/api/v1/assessments"),
    ("GET", "/api/v1/assessments/<int:assessment_id>"), ("PUT", "/api/v1/assessments/<int:assessment_id>"),
    ("GET", "/api/v1/schema/assessment.json"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/actions/<trigger>"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/challenge-points"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/challenge-answers"),
    ("POST", "/api/v1/assessments/<int:assessment_id>/groups"),
    ("GET", "/api/v1/assessments/<int:assessment_id>/pdf"),
    ("GET", "/api/v1/register"), ("GET", "/api/v1/openapi.json"),
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
