"""Sessions: Flask-Login wiring. Sign-in itself is in eqia.views.auth."""

from __future__ import annotations

from flask import Flask, session

from eqia.extensions import login_manager
from eqia.models import User
from eqia.services import credentials


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    # No binding to the client's address or User-Agent: a thief replays the
    # User-Agent with the cookie, and addresses change under mobile and proxied
    # users. What protects a session is that it exists on the server and ends
    # there (eqia/services/credentials.py).
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # The signed cookie names a server-side session, which sign-out, a
        # password change and deactivation delete; and the user's session token,
        # which a password change rotates.
        user = credentials.session_user(session.get(credentials.SESSION_KEY))
        return user if user is not None and user.session_token == session_token else None
