"""The EqIA itself, as the workflow engine sees it: the rules, requirement
checks and effects it registers into the engine (`rules`), the sections of an
assessment with what makes each complete (`sections`), its shape (`shape`), and
the assessment as the subject the engine moves (`subject`).

The package imports nothing itself: a service reading `sections` or `shape` must
not pull in the rules, which call services. `create_app` imports `rules` and
`subject`, which registers them, before any definition loads."""
