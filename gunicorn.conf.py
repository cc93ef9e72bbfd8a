"""gunicorn reads this file when it is started from the project's directory.

The app refuses to start when several workers would each keep their own count
of sign-in attempts (eqia/config.py). It learns the number of workers from
WEB_CONCURRENCY; this passes on the number gunicorn was actually given, so
`gunicorn -w 4 'eqia.wsgi:app'` is checked too.
"""

import os


def on_starting(server):
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
