"""The equality action plan as the workflow engine sees it: the subject it moves
(`subject`, registered under its own name) and the rules it registers (`rules`).
Imported by `create_app`, before any definition loads."""
