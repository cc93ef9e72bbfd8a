"""The EqIA itself, as the workflow engine sees it: the rules, requirement
checks and effects it registers into the engine (`rules`), the sections of an
assessment with what makes each complete (`sections`), and the assessment as
the subject the engine moves (`subject`). Importing the package registers them."""

from eqia.assessments import rules  # noqa: F401  (registers the EqIA's hooks into the engine)
from eqia.assessments import subject  # noqa: F401  (registers the assessment as what the engine moves)
