"""The lead's cumulative judgement as the workflow engine sees it: the subject it
moves (`subject`, registered under its own name), the rules it registers
(`rules`), and the canonical record its signature is bound to (`record`).
Imported by `create_app` (eqia.registered), before any definition loads."""
