"""The EqIA itself, as the workflow engine sees it: the rules, requirement
checks and effects it registers into the engine (`rules`), and the sections of
an assessment with what makes each complete (`sections`). Importing the package
registers them."""

from eqia.assessments import rules  # noqa: F401  (registers the EqIA's hooks into the engine)
