"""Sessions: Flask-Login wiring. Sign-in itself is in eqia.views.auth."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from eqia.extensions import db, login_manager
from eqia.models import User


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    # Flask's session is a signed cookie; "strong" drops it if the client's
    # identifier changes, on top of the rotation done at sign-in.
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        user = db.session.execute(select(User).where(User.session_token == session_token)).scalar_one_or_none()
        return user if user is not None and user.active else None
