"""Schemathesis against /api/v1/openapi.json, as each role and as no one: every
operation, with generated parameters and bodies sent as a caller drawn with each
case, must answer without a server error and with a response the document
describes (status, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemathesis.specs.openapi.checks import positive_data_acceptance

from eqia.roles import ROLES
from eqia.services import tokens

EXAMPLES = 50  # per operation, spread over the callers
SEMANTIC_RULES = {"POST /assessments", "PUT /assessments/{assessment_id}",
                  "POST /assessments/{assessment_id}/challenge-points",
                  "POST /assessments/{assessment_id}/challenge-answers",
                  # A schema-valid update may rightly be refused: a date in the future, "dropped" with no
                  # reason, an action already closed, an assessment not signed.
                  "POST /assessments/{assessment_id}/actions/{item_id}/updates",
                  # The register's rules: a name its directorate has already, a directorate not in use, an activity
                  # not relevant that needs an assessment, a reference no assessment has or one linked elsewhere.
                  "POST /activities", "PUT /activities/{activity_id}", "POST /activities/{activity_id}/links"}


@pytest.fixture
def schema(app, world):
    # Something to find: assessments in several states, so generated ids reach real ones too.
    for state in (None, "full_assessment", "challenge", "awaiting_sign_off", "published"):
        world.make_assessment(state)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.slow
def test_every_operation_answers_as_the_document_says(schema, world):
    # Each generated case is sent as one of the callers, chosen with the case: every role and no one
    # reach every operation, without running the whole generation once for each.
    callers = {"anonymous": {}}
    for role in ROLES:
        user = world.make_user(f"schemathesis-{role}@example.test", role, commit=True)
        callers[role] = {"Authorization": f"Bearer {tokens.create_token(user, 'schemathesis')[1]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /assessments", "POST /assessments/{assessment_id}/actions/{trigger}"}
    for operation in operations:
        # An interchange document has rules across its fields that a JSON Schema cannot say (a cited
        # evidence number must exist; a date must be a real one; the screened and analysed
        # characteristics must match): a schema-valid document may rightly get a 422 with its paths.
        # Likewise the task keys of a challenge point or answer are the assessment's own.
        excluded = [positive_data_acceptance] if operation.label in SEMANTIC_RULES else []
        sent_as = set()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), caller=st.sampled_from(sorted(callers)))
        def check(case, caller):
            sent_as.add(caller)
            case.call_and_validate(headers=callers[caller], excluded_checks=excluded)

        check()
        assert len(sent_as) >= 3, (operation.label, sent_as)  # the generation did spread the callers
