"""`flask eqia seed`: realistic volume, still consistent with the trail and the signatures,
and the lead's dashboards asking the same number of queries at 100 EqIAs as at 5,000."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import ActionPlan, Activity, Assessment, User
from eqia.seed import SEED_DOMAIN, SEED_PASSWORD, SHAPES, seed
from tests.test_my_actions import Queries


def test_seeding_an_unmigrated_database_says_so(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    said = app.test_cli_runner().invoke(args=["eqia", "seed", "--assessments", "5"])
    assert said.exit_code == 1
    assert "run `flask db upgrade` first" in said.output
    assert "Traceback" not in said.output


def test_the_seed_command_is_no_web_route(app):
    assert not [rule for rule in app.url_map.iter_rules() if "seed" in rule.rule]


def _dashboards(plan_id: int) -> list[str]:
    """Every page and download of the lead's programme that reads across all EqIAs."""
    coverage = [f"/programme/activities?coverage={code}" for code in ("current", "out_of_date", "under_way",
                                                                       "not_assessed")]
    return ["/programme", "/programme/coverage", "/programme/coverage.csv", *coverage,
            "/programme/activities?late=yes", "/programme/activities", "/programme/activities?page=2",
            "/programme/activities.csv", "/programme/pipeline", "/programme/pipeline.csv",
            "/programme/follow-up", "/actions/overdue", "/actions/overdue.csv",
            "/programme/heat-map", "/programme/heat-map.csv",
            "/programme/heat-map/assessments?group=age&impact=negative",
            "/programme/cumulative", "/programme/cumulative?programme=Budget+savings+2027-28",
            "/programme/plans", f"/programme/plans/{plan_id}", f"/programme/plans/{plan_id}.csv"]


@pytest.mark.slow
def test_seeded_volume_verifies_and_the_dashboards_ask_as_many_queries_at_5000_as_at_100(app, client, runner):
    """One test, as seeding makes its prototypes through the services once per database, and that is
    most of its time: the command at 100, its checks, then the counts at 100 and at 5,000."""
    def counted() -> dict[str, int]:
        lead = db.session.execute(sa.select(User).where(User.email == f"lead0@{SEED_DOMAIN}")).scalar_one()
        plan_id = db.session.scalar(sa.select(sa.func.min(ActionPlan.id)))
        assert client.post("/sign-in", data={"email": lead.email, "password": SEED_PASSWORD}).status_code == 302
        counts = {}
        for url in _dashboards(plan_id):
            db.session.expire_all()
            with Queries() as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counts[url] = queries.count
        client.post("/sign-out")
        return counts

    said = runner.invoke(args=["eqia", "seed", "--assessments", "100", "--seed", "7"])
    assert said.exit_code == 0, said.output
    assert "Seeded 100 EqIAs" in said.output
    states = dict(db.session.execute(sa.select(Assessment.state, sa.func.count()).group_by(Assessment.state)).all())
    # Every state a prototype stands in, including a superseded version and a review under way.
    assert {"screening", "full_assessment", "challenge", "awaiting_sign_off", "signed_off", "published",
            "screened_out", "review_due", "superseded", "screening_published"} <= set(states)
    assert sum(states.values()) >= 100 + len(SHAPES) + 2  # two shapes are two versions each
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) > 90
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionPlan)) >= 1
    for command in ("verify-audit", "verify-sign-offs"):
        checked = runner.invoke(args=["eqia", command])
        assert checked.exit_code == 0, checked.output
    few = counted()
    seed(4900, random_seed=8)
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Assessment.reference)))) >= 5000
    assert counted() == few
