"""The production entry point: `gunicorn 'eqia.wsgi:app'`. Configuration comes
from the environment; without SECRET_KEY or EQIA_AUDIT_KEY (outside development) start-up stops."""

from eqia import create_app

app = create_app()
