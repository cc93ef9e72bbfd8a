"""Configuration from environment variables.

EQIA_ENV=development (what `make run` sets) allows a generated secret key and
plain-HTTP cookies on 127.0.0.1; anything else is production, where a missing
SECRET_KEY or EQIA_AUDIT_KEY stops start-up.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_FORMATS = ("json", "plain")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    pass


AUDIT_KEY_MISSING = ("EQIA_AUDIT_KEY is not set. Set it to a long random value kept outside the database (for "
                     "example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`): it seals "
                     "the audit trail, so keep a copy (see README, verify-audit).")
DEVELOPMENT_AUDIT_KEY = "development-audit-key-not-secret"


def database_url(value: str | None) -> str:
    """Accept the URL forms hosting platforms hand out and use psycopg 3 for PostgreSQL."""
    if not value:
        return f"sqlite:///{PROJECT_ROOT / 'instance' / 'eqia.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


# WEB_CONCURRENCY is gunicorn's default worker count (and most platforms set it).
THROTTLE_NEEDS_SHARED_STORE = ("WEB_CONCURRENCY is {workers} but the sign-in throttle counts in memory, "
                               "once per worker: set RATELIMIT_STORAGE_URI (or REDIS_URL) to a Redis server the "
                               "workers share, or run one worker.")


def _workers(env: dict[str, str]) -> int:
    raw = env.get("WEB_CONCURRENCY", "1").strip() or "1"
    if not raw.isdigit():
        raise ConfigError(f"WEB_CONCURRENCY must be a whole number of workers, not {raw[:40]!r}")
    return int(raw)


def _throttle_store(env: dict[str, str]) -> str:
    """Where the sign-in throttle counts: a count kept in one worker's memory is
    no limit when several workers share the attempts, so that refuses to start."""
    store = env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://"
    workers = _workers(env)
    if store.startswith("memory://") and workers > 1:
        raise ConfigError(THROTTLE_NEEDS_SHARED_STORE.format(workers=workers))
    return store


def base_url(value: str) -> str:
    """The service's address, from which every absolute link is built (eqia.links)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError("EQIA_BASE_URL must be the service's address as its users reach it, such as "
                          f"https://eqia.council.example, not {value[:80]!r}")
    return value.strip().rstrip("/")


QUEUE_URL_WRONG = ("EQIA_QUEUE_URL must be empty (the task queue in instance/queue.sqlite), sqlite:///path/to/file, "
                   "or a Redis URL (redis://host:6379/0), not {value!r}")


def queue_url(value: str) -> str:
    """Where the task queue is kept (eqia/tasks): empty for the default SQLite file."""
    value = value.strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")) and not (
            value.startswith("sqlite:///") and len(value) > len("sqlite:///")):
        raise ConfigError(QUEUE_URL_WRONG.format(value=value[:80]))
    return value


def _count(env: dict[str, str], name: str, default: int, most: int = 64) -> int:
    raw = env.get(name, str(default)).strip()
    if not raw.isdigit() or len(raw) > 6 or int(raw) > most:
        raise ConfigError(f"{name} must be a whole number from 0 to {most}, not {raw[:40]!r}")
    return int(raw)


def _whole_number(env: dict[str, str], name: str, default: int, least: int, most: int) -> int:
    raw = env.get(name, str(default)).strip()
    if not raw.isascii() or not raw.isdigit() or not least <= int(raw) <= most:
        raise ConfigError(f"{name} must be a whole number from {least} to {most}, not {raw[:40]!r}")
    return int(raw)


def _choice(env: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip() or default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {raw[:40]!r}")
    return raw


def _switch(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off, not {raw[:40]!r}")


def _claim_map(env: dict[str, str], name: str, allowed: frozenset[str] | None = None) -> dict[str, str]:
    """A JSON object from a claim's value (a group's object id, say) to what it gives."""
    raw = env.get(name, "").strip()
    if not raw:
        return {}
    try:
        mapping = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in mapping.items()):
        raise ConfigError(f'{name} must be a JSON object of names, such as {{"group-object-id": "value"}}')
    if allowed is not None and set(mapping.values()) - allowed:
        wrong = ", ".join(sorted(set(mapping.values()) - allowed))
        raise ConfigError(f"{name} gives roles that do not exist ({wrong[:200]}); the roles are "
                          + ", ".join(sorted(allowed)))
    return mapping


def single_sign_on(env: dict[str, str]) -> dict:
    """The OpenID Connect settings (eqia/services/single_sign_on.py). Single sign-on is
    on when EQIA_OIDC_ISSUER is set; passwords stay on unless turned off."""
    from eqia.roles import ROLES

    issuer = env.get("EQIA_OIDC_ISSUER", "").strip().rstrip("/")
    if issuer:
        parts = urlsplit(issuer)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError("EQIA_OIDC_ISSUER must be the provider's issuer URL, such as "
                              f"https://login.microsoftonline.com/<tenant-id>/v2.0, not {issuer[:80]!r}")
        if not env.get("EQIA_OIDC_CLIENT_ID", "").strip():
            raise ConfigError("EQIA_OIDC_CLIENT_ID is not set: set it to the application (client) id the "
                              "provider gave this service")
    passwords = _switch(env, "EQIA_PASSWORD_SIGN_IN", True)
    if not passwords and not issuer:
        raise ConfigError("EQIA_PASSWORD_SIGN_IN is off but EQIA_OIDC_ISSUER is not set: nobody could sign in")
    return {
        "EQIA_OIDC_ISSUER": issuer,
        "EQIA_OIDC_CLIENT_ID": env.get("EQIA_OIDC_CLIENT_ID", "").strip(),
        "EQIA_OIDC_CLIENT_SECRET": env.get("EQIA_OIDC_CLIENT_SECRET", ""),
        "EQIA_OIDC_SCOPES": env.get("EQIA_OIDC_SCOPES", "openid email profile").strip(),
        # Shown as "Sign in with {name}".
        "EQIA_OIDC_PROVIDER_NAME": env.get("EQIA_OIDC_PROVIDER_NAME", "Microsoft").strip() or "Microsoft",
        # A first sign-in finds an existing account by e-mail only when the provider says the address is verified.
        "EQIA_OIDC_MATCH_VERIFIED_EMAIL": _switch(env, "EQIA_OIDC_MATCH_VERIFIED_EMAIL", False),
        # The claim that is true when the provider has verified the e-mail address (Entra ID: xms_edov).
        "EQIA_OIDC_EMAIL_VERIFIED_CLAIM": env.get("EQIA_OIDC_EMAIL_VERIFIED_CLAIM", "email_verified").strip()
        or "email_verified",
        # Someone the service does not know gets an account (with the roles the claims map to, or none).
        "EQIA_OIDC_CREATE_ACCOUNTS": _switch(env, "EQIA_OIDC_CREATE_ACCOUNTS", False),
        "EQIA_OIDC_GROUPS_CLAIM": env.get("EQIA_OIDC_GROUPS_CLAIM", "groups").strip() or "groups",
        "EQIA_OIDC_ROLE_MAP": _claim_map(env, "EQIA_OIDC_ROLE_MAP", frozenset(ROLES)),
        "EQIA_OIDC_DIRECTORATE_MAP": _claim_map(env, "EQIA_OIDC_DIRECTORATE_MAP"),
        # A sign-in at the provider made to sign off counts for this many seconds.
        "EQIA_OIDC_REAUTH_SECONDS": _whole_number(env, "EQIA_OIDC_REAUTH_SECONDS", 300, 30, 3600),
        "EQIA_PASSWORD_SIGN_IN": passwords,
        # Admins who may still sign in with a password when EQIA_PASSWORD_SIGN_IN is off (break glass).
        "EQIA_BREAK_GLASS_ADMINS": frozenset(
            e.strip().lower() for e in env.get("EQIA_BREAK_GLASS_ADMINS", "").split(",") if e.strip()),
    }


SECRET_KEY_MISSING = ("SECRET_KEY is not set. Set it to a long random value (for example the output of "
                      "`python -c 'import secrets; print(secrets.token_hex(32))'`), or set "
                      "EQIA_ENV=development to run locally.")


def from_environment(environ: dict[str, str] | None = None, *, serving: bool = True) -> dict:
    """The settings. The secret key signs sessions, so only an app that serves
    requests needs one: `serving=False` (the `flask` commands other than `run`)
    builds an app without one, which can sign nobody in."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get("EQIA_ENV", "production")
    development = mode == "development"
    secret = env.get("SECRET_KEY")
    if not secret:
        if not development and serving:
            raise ConfigError(SECRET_KEY_MISSING)
        secret = secrets.token_hex(32) if development else None
    audit_key = env.get("EQIA_AUDIT_KEY")
    if not audit_key:
        if development:
            # Fixed, so `flask eqia verify-audit` agrees with the app across restarts; not a secret.
            audit_key = DEVELOPMENT_AUDIT_KEY
        elif serving:
            raise ConfigError(AUDIT_KEY_MISSING)
        else:
            # A command that never touches the trail (help, export) needs no key; one that
            # seals or checks the head stops with AUDIT_KEY_MISSING (services.audit.seal_for).
            audit_key = None
    return {
        "EQIA_ENV": mode,
        "SECRET_KEY": secret,
        # Seals the audit trail's head (eqia/services/audit.py): kept outside the database.
        "EQIA_AUDIT_KEY": audit_key,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL")),
        # hide_parameters: a failed statement's message (in a log line, a traceback) names the statement,
        # never the values it carried (an e-mail address, a password hash, a token's digest).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # How long connecting to PostgreSQL may take before it counts as down (eqia.app).
        "EQIA_DB_CONNECT_SECONDS": _whole_number(env, "EQIA_DB_CONNECT_SECONDS", 5, 1, 60),
        "EQIA_WORKFLOWS_DIR": env.get("EQIA_WORKFLOWS_DIR", str(PROJECT_ROOT / "workflows")),
        # An action plan's workflows: their own folder, checked against the same schema.
        "EQIA_PLAN_WORKFLOWS_DIR": env.get("EQIA_PLAN_WORKFLOWS_DIR", str(PROJECT_ROOT / "workflows" / "plans")),
        # The lead's cumulative judgements' workflows: their own folder, checked against the same schema.
        "EQIA_CUMULATIVE_WORKFLOWS_DIR": env.get("EQIA_CUMULATIVE_WORKFLOWS_DIR",
                                                 str(PROJECT_ROOT / "workflows" / "cumulative")),
        # The jurisdiction profile: england (default), wales, northern_ireland, or a file's path.
        "EQIA_PROFILE": env.get("EQIA_PROFILE", ""),
        "EQIA_CHARACTERISTICS": env.get("EQIA_CHARACTERISTICS", ""),
        "EQIA_BASE_URL": base_url(env.get("EQIA_BASE_URL", "http://127.0.0.1:5000")),
        "EQIA_COUNCIL_NAME": env.get("EQIA_COUNCIL_NAME", "Demo Borough Council"),
        "GOVUK_FRONTEND_DIR": env.get("GOVUK_FRONTEND_DIR",
                                      str(PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk")),
        # PDFs are rendered in this many worker processes (0: in the web process itself). A
        # document's parts render at once on the free ones (eqia/pdf/assemble.py): one a core.
        "EQIA_PDF_WORKERS": _count(env, "EQIA_PDF_WORKERS", min(2, os.cpu_count() or 1)),
        # A draft's PDF is rendered in the background after each save in the browser (not the API).
        "EQIA_PDF_PRERENDER": env.get("EQIA_PDF_PRERENDER", "1") not in ("0", "false", "no", ""),
        # At most this many drafts wait for that render; beyond it the longest-waiting is dropped.
        "EQIA_PDF_PRERENDER_QUEUE": _count(env, "EQIA_PDF_PRERENDER_QUEUE", 32, most=10_000),
        # Optional PAdES signature on the PDF stored at sign-off (eqia/pdf/signature.py).
        "EQIA_PDF_SIGNING_KEY": env.get("EQIA_PDF_SIGNING_KEY", ""),
        "EQIA_PDF_SIGNING_CERT": env.get("EQIA_PDF_SIGNING_CERT", ""),
        "EQIA_PDF_SIGNING_CHAIN": env.get("EQIA_PDF_SIGNING_CHAIN", ""),
        "EQIA_PDF_SIGNING_PASSPHRASE": env.get("EQIA_PDF_SIGNING_PASSPHRASE", ""),
        # The task queue the workers (`flask eqia worker`) take background work from (eqia/tasks).
        "EQIA_QUEUE_URL": queue_url(env.get("EQIA_QUEUE_URL", "")),
        # JSON lines for a log collector in production; plain lines at a developer's terminal (eqia/logs.py).
        "EQIA_LOG_FORMAT": _choice(env, "EQIA_LOG_FORMAT", "plain" if development else "json", LOG_FORMATS),
        "EQIA_LOG_LEVEL": _choice(env, "EQIA_LOG_LEVEL", "INFO", LOG_LEVELS),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_FROM": env.get("SMTP_FROM", "eqia@localhost"),
        # A message the mail server refuses is tried again after this many seconds, then twice as
        # long each time, and set aside for an admin after the last attempt (eqia/notifications/).
        "EQIA_NOTIFY_MAX_ATTEMPTS": _whole_number(env, "EQIA_NOTIFY_MAX_ATTEMPTS", 10, 1, 100),
        "EQIA_NOTIFY_RETRY_SECONDS": _whole_number(env, "EQIA_NOTIFY_RETRY_SECONDS", 60, 0, 86400),
        # The daily reminders (eqia/notifications/reminders.py): an assessment in challenge longer than
        # this many days; an action due within this many days; a decision date this near without sign-off.
        "EQIA_CHALLENGE_WAITING_DAYS": _whole_number(env, "EQIA_CHALLENGE_WAITING_DAYS", 5, 1, 365),
        "EQIA_ACTION_DUE_SOON_DAYS": _whole_number(env, "EQIA_ACTION_DUE_SOON_DAYS", 7, 1, 365),
        "EQIA_DECISION_APPROACHING_DAYS": _whole_number(env, "EQIA_DECISION_APPROACHING_DAYS", 14, 1, 365),
        "RATELIMIT_STORAGE_URI": _throttle_store(env),
        # A moving window: a fixed one lets an attacker spend two windows' worth of
        # guesses either side of each boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        # Failed sign-ins allowed per account (the e-mail address tried), from anywhere...
        "SIGN_IN_RATE_LIMIT": env.get("SIGN_IN_RATE_LIMIT", "10 per minute;50 per hour"),
        # ...and per client address, over all accounts: more, as a whole office may share one.
        "SIGN_IN_ADDRESS_RATE_LIMIT": env.get("SIGN_IN_ADDRESS_RATE_LIMIT", "60 per minute;600 per hour"),
        # Asking for a password reset link, counted on every request (so a mailbox cannot be flooded):
        # per e-mail address asked about, from anywhere, and per client address over all addresses.
        "PASSWORD_RESET_RATE_LIMIT": env.get("PASSWORD_RESET_RATE_LIMIT", "3 per 15 minutes;10 per day"),
        "PASSWORD_RESET_ADDRESS_RATE_LIMIT": env.get("PASSWORD_RESET_ADDRESS_RATE_LIMIT", "20 per hour;100 per day"),
        # How long an e-mailed link to set a password works (eqia/services/password_links.py).
        "PASSWORD_RESET_LINK_SECONDS": _whole_number(env, "PASSWORD_RESET_LINK_SECONDS", 3600, 60, 86400),
        "INVITATION_LINK_SECONDS": _whole_number(env, "INVITATION_LINK_SECONDS", 7 * 86400, 3600, 30 * 86400),
        # How many reverse proxies in front of the app may say who the client is (X-Forwarded-For and
        # -Proto); 0 trusts none, so a client cannot choose the address it is throttled by.
        "EQIA_TRUSTED_PROXIES": _count(env, "EQIA_TRUSTED_PROXIES", 0),
        "SESSION_COOKIE_SECURE": not development,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The absolute time-out: a session ends this long after sign-in, however busy.
        "PERMANENT_SESSION_LIFETIME": _whole_number(env, "SESSION_LIFETIME_SECONDS", 8 * 3600, 60, 30 * 86400),
        # The idle time-out: a session unused this long ends (eqia/services/credentials.py).
        "SESSION_IDLE_SECONDS": _whole_number(env, "SESSION_IDLE_SECONDS", 30 * 60, 120, 30 * 86400),
        # Administrators signing in with a password must have a second factor (TOTP): they are
        # sent to set one up before anything else. 0 turns the requirement off (tests, a demo).
        "EQIA_ADMIN_TOTP_REQUIRED": _switch(env, "EQIA_ADMIN_TOTP_REQUIRED", True),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: a long form must not expire mid-edit
        # The largest form (screening: a reason for each of 13 or more groups, up to
        # 100,000 characters each) must fit: an emoji is 4 bytes of UTF-8 and 12
        # once percent-encoded, so 14 full fields of it come to about 17 MB. Each
        # field is still capped by Flask's MAX_FORM_MEMORY_SIZE (500 kB decoded).
        "MAX_CONTENT_LENGTH": 24 * 1024 * 1024,
        **single_sign_on(env),
    }
