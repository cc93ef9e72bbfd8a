"""What this deployment runs with, for an admin to read (never to change here):
the workflow definitions loaded, the jurisdiction profile, and the settings a
council may change, each with where it came from. Secrets are never shown:
only whether they are set."""

from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app

from eqia.loaded_definitions import characteristics, workflows

# Where a value came from (codes; the page says them in words).
FROM_ENVIRONMENT = "environment"
FROM_DEFAULT = "default"

# (config key, environment variable, is it a secret)
SETTINGS: tuple[tuple[str, str, bool], ...] = (
    ("EQIA_COUNCIL_NAME", "EQIA_COUNCIL_NAME", False),
    ("EQIA_BASE_URL", "EQIA_BASE_URL", False),
    ("EQIA_WORKFLOWS_DIR", "EQIA_WORKFLOWS_DIR", False),
    ("EQIA_PROFILE", "EQIA_PROFILE", False),
    ("EQIA_CHALLENGE_WAITING_DAYS", "EQIA_CHALLENGE_WAITING_DAYS", False),
    ("EQIA_ACTION_DUE_SOON_DAYS", "EQIA_ACTION_DUE_SOON_DAYS", False),
    ("EQIA_DECISION_APPROACHING_DAYS", "EQIA_DECISION_APPROACHING_DAYS", False),
    ("EQIA_NOTIFY_MAX_ATTEMPTS", "EQIA_NOTIFY_MAX_ATTEMPTS", False),
    ("EQIA_NOTIFY_RETRY_SECONDS", "EQIA_NOTIFY_RETRY_SECONDS", False),
    ("SMTP_HOST", "SMTP_HOST", False),
    ("SMTP_PORT", "SMTP_PORT", False),
    ("SMTP_FROM", "SMTP_FROM", False),
    ("PERMANENT_SESSION_LIFETIME", "SESSION_LIFETIME_SECONDS", False),
    ("SESSION_IDLE_SECONDS", "SESSION_IDLE_SECONDS", False),
    ("EQIA_ADMIN_TOTP_REQUIRED", "EQIA_ADMIN_TOTP_REQUIRED", False),
    ("PASSWORD_RESET_LINK_SECONDS", "PASSWORD_RESET_LINK_SECONDS", False),
    ("INVITATION_LINK_SECONDS", "INVITATION_LINK_SECONDS", False),
    ("PASSWORD_RESET_RATE_LIMIT", "PASSWORD_RESET_RATE_LIMIT", False),
    ("PASSWORD_RESET_ADDRESS_RATE_LIMIT", "PASSWORD_RESET_ADDRESS_RATE_LIMIT", False),
    ("SIGN_IN_RATE_LIMIT", "SIGN_IN_RATE_LIMIT", False),
    ("SIGN_IN_ADDRESS_RATE_LIMIT", "SIGN_IN_ADDRESS_RATE_LIMIT", False),
    ("EQIA_TRUSTED_PROXIES", "EQIA_TRUSTED_PROXIES", False),
    ("EQIA_PDF_PRERENDER", "EQIA_PDF_PRERENDER", False),
    ("EQIA_LOG_FORMAT", "EQIA_LOG_FORMAT", False),
    ("EQIA_LOG_LEVEL", "EQIA_LOG_LEVEL", False),
    ("SECRET_KEY", "SECRET_KEY", True),
    ("EQIA_AUDIT_KEY", "EQIA_AUDIT_KEY", True),
    ("EQIA_PDF_SIGNING_KEY", "EQIA_PDF_SIGNING_KEY", True),
    ("EQIA_PDF_SIGNING_PASSPHRASE", "EQIA_PDF_SIGNING_PASSPHRASE", True),
)


@dataclass(frozen=True)
class Setting:
    variable: str  # the environment variable that sets it
    value: str  # for a secret: "" (the page says only whether it is set)
    secret: bool
    is_set: bool
    source: str


@dataclass(frozen=True)
class LoadedWorkflow:
    name: str
    version: int
    file: str


@dataclass(frozen=True)
class Configuration:
    workflows: list[LoadedWorkflow]
    profile_key: str
    profile_name: str
    profile_version: int
    profile_file: str
    profile_source: str
    settings: list[Setting]


def _shown(value: object) -> str:
    if hasattr(value, "total_seconds"):
        return str(int(value.total_seconds()))
    return "" if value is None else str(value)


def configuration() -> Configuration:
    config, environ = current_app.config, os.environ
    settings = []
    for key, variable, secret in SETTINGS:
        value = config.get(key)
        source = FROM_ENVIRONMENT if variable in environ else FROM_DEFAULT
        settings.append(Setting(variable, "" if secret else _shown(value), secret, bool(value), source))
    profile = characteristics()
    named = "EQIA_PROFILE" in environ or "EQIA_CHARACTERISTICS" in environ
    return Configuration(
        workflows=sorted((LoadedWorkflow(d.name, d.version, d.source_file) for d in workflows()),
                         key=lambda w: (w.name, w.version)),
        profile_key=profile.key, profile_name=profile.name, profile_version=profile.version,
        profile_file=profile.source_file, profile_source=FROM_ENVIRONMENT if named else FROM_DEFAULT,
        settings=settings,
    )
