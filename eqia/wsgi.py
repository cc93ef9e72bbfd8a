"""The production entry point: `gunicorn 'eqia.wsgi:app'`. Configuration comes
from the environment; a setting that cannot work (no SECRET_KEY or
EQIA_AUDIT_KEY outside development, an in-memory sign-in throttle under several workers) stops start-up
with one line saying what to set."""

import sys

from eqia import create_app
from eqia.config import ConfigError

# gunicorn's "App failed to load": its arbiter stops, rather than starting the worker again and again.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except ConfigError as error:
    print(f"EqIA cannot start: {error}", file=sys.stderr)
    sys.exit(APP_LOAD_ERROR)
