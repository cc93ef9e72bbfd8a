"""Sessions: Flask-Login wiring, and what every signed-in request must pass.
Sign-in itself is in eqia.views.auth."""

from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user, login_user

from eqia.extensions import login_manager
from eqia.models import User
from eqia.services import credentials, second_factor

# What an administrator who must set up a second factor may still reach: the set-up itself,
# signing out, and the files the pages need.
SECOND_FACTOR_SETUP_ENDPOINTS = frozenset({
    "account.two_factor", "account.start_two_factor", "account.confirm_two_factor", "auth.sign_out",
    "static", "assets.frontend_asset", "assets.frontend_bundle",
})


def begin_session(user: User) -> None:
    """Sign `user` in on this browser: a fresh cookie naming a new server-side session.
    Nothing from before (a fixed session id, stale flashes, a half-done sign-in) carries over."""
    session.clear()
    session.permanent = True
    session[credentials.SESSION_KEY] = credentials.start_session(user, request.headers.get("User-Agent"))
    login_user(user)


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

    @app.before_request
    def second_factor_first():
        # An administrator without a second factor sets one up before anything else
        # (OWASP ASVS 2.2.x: a privileged account needs more than a password).
        if credentials.SESSION_KEY not in session or request.endpoint in SECOND_FACTOR_SETUP_ENDPOINTS:
            return None
        if current_user.is_authenticated and second_factor.required_for(current_user):
            return redirect(url_for("account.two_factor"))
        return None
