"""English and Welsh: which language a request is in, and the Welsh catalogue.

Every word the service says is written in English in the code and templates,
wrapped for translation (`_()` in templates, `gettext`/`lazy_gettext` in Python),
and its Welsh is in eqia/translations/cy/LC_MESSAGES/messages.po. The catalogue
is read from that file when first needed, so what is in the repository is what
runs: there is no compiled file to fall out of step. `python -m eqia.catalogue`
extracts the strings and updates the file; tests/test_welsh.py fails on any
string without its Welsh.

The language of a page: the signed-in person's choice (on the account), else the
choice a visitor made with the switch on every page (a cookie), else what the
browser asks for, else English. An e-mail is in its recipient's language,
whoever's request sent it. What people wrote in an assessment stays as written.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import support
from babel.dates import get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel, Domain, force_locale, get_locale, refresh

from eqia.local_time import LOCAL_ZONE

LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
# The visitor's choice on the switch: a year, and only a language code in it.
COOKIE = "eqia_language"
COOKIE_AGE = 365 * 24 * 3600
# The `lang` attribute of a page or PDF in each language.
LANG_TAGS = {"en": "en-GB", "cy": "cy"}
CATALOGUE_DIR = Path(__file__).parent / "translations"
# The JSON API is for other systems: its answers, refusals included, are English whatever the
# caller's browser or account says.
ENGLISH_ONLY = ("/api/",)


def catalogue_path(language: str) -> Path:
    return CATALOGUE_DIR / language / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=None)
def translations_for(language: str) -> support.NullTranslations:
    """The language's catalogue, compiled in memory from its .po once per process.
    Entries marked fuzzy are left out (English shows instead) until someone confirms them."""
    path = catalogue_path(language)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return support.NullTranslations()
    with path.open("rb") as f:
        catalogue = read_po(f, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return support.Translations(compiled, domain="messages")


class _Catalogues(Domain):
    def get_translations(self):
        locale = get_locale()
        return translations_for(locale.language if locale else DEFAULT_LANGUAGE)


_CATALOGUES = _Catalogues()


class _Babel(Babel):
    # Flask-Babel makes a new domain (and reads the .mo files again) for every request;
    # one for the process, reading the .po once.
    @property
    def domain_instance(self):
        return _CATALOGUES


babel = _Babel()


def chosen_language(value: str | None) -> str | None:
    """A language code as the service knows it, or None for anything else."""
    return value if value in LANGUAGES else None


def select_language() -> str:
    if not has_request_context() or request.path.startswith(ENGLISH_ONLY):
        return DEFAULT_LANGUAGE
    from flask_login import current_user

    if current_user and current_user.is_authenticated and chosen_language(getattr(current_user, "language", None)):
        return current_user.language
    return (chosen_language(request.cookies.get(COOKIE))
            or request.accept_languages.best_match(tuple(LANGUAGES), default=DEFAULT_LANGUAGE))


def current_language() -> str:
    locale = get_locale()
    return chosen_language(locale.language if locale else None) or DEFAULT_LANGUAGE


def in_language(language: str | None):
    """Everything said inside is in this language (an e-mail in its recipient's, a PDF in the one asked for)."""
    return force_locale(chosen_language(language) or DEFAULT_LANGUAGE)


# Before and after noon as each language writes a time: "2:14am", "2:14yb".
DAY_HALVES = {"en": ("am", "pm"), "cy": ("yb", "yh")}


def govuk_date(value: date | None) -> str:
    """"6 December 2026", or "6 Rhagfyr 2026" in Welsh."""
    if value is None:
        return ""
    language = current_language()
    return f"{value.day} {get_month_names('wide', locale=language)[value.month]} {value.year}"


def govuk_datetime(value: datetime | None) -> str:
    """A moment for people, everywhere (pages and PDF): UK local time with its zone,
    "6 December 2026, 2:14am GMT". The UTC instant stays in the record and the audit trail."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_ZONE)
    hour = local.hour % 12 or 12
    half = DAY_HALVES[current_language()][local.hour >= 12]
    return f"{govuk_date(local.date())}, {hour}:{local:%M}{half} {local.tzname()}"


def said(words) -> str:
    """Words the service keeps elsewhere (a workflow's or a profile's label, a notification kind's
    label, a status), in the language being written: looked up in the catalogue, English where it has
    no Welsh yet; never what someone typed. The e-mails and the PDF say them through this one."""
    from flask_babel import gettext

    return gettext(str(words)) if words else ""


def stored_name(text: str) -> str:
    """A name an assessment stored in English that is also one of the service's own words (a
    profile's group, "Age"): said in the reader's language. A name an author wrote stays as written."""
    from flask_babel import gettext

    return gettext(text) if text else text


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_language)
    # {% trans %} blocks are read with their line breaks and indentation collapsed, as the
    # catalogue holds them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Flask-Babel keeps the language it chose on the app context's `g`, which outlives a request
    # wherever an app context is already open (the test suite, a command that makes requests):
    # each request chooses afresh.
    app.before_request(refresh)

    @app.context_processor
    def language_globals() -> dict:
        language = current_language()
        return {"current_language": language, "lang_tag": LANG_TAGS[language], "lang_tags": LANG_TAGS,
                "languages": LANGUAGES}
