"""One blueprint per area; each view parses a form, calls one service, redirects."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
    from eqia.views import (account, action_lists, admin, assessments, assets, auth, errors, framework,
                            golden_thread, health, invitations, judgements, language, main, notifications,
                            password_links, plans, programme, public_register, single_sign_on, workflow_diagram)
    # The pages of an assessment's sections add their routes to the assessments blueprint.
    from eqia.views import (action_progress, actions, challenge, downloads, evidence, impacts,  # noqa: F401
                            monitoring, outcome, review_outcomes, screening, tasks)
    # Your account's sessions and second factor add their routes to the account blueprint.
    from eqia.views import second_factor, sessions  # noqa: F401

    for module in (health, assets, auth, main, account, notifications, assessments, workflow_diagram, public_register,
                   action_lists, password_links, invitations, admin, single_sign_on, language, programme, plans,
                   framework, golden_thread, judgements):
        app.register_blueprint(module.bp)
    errors.init_app(app)
