"""Words that are data in English and shown in the reader's language.

The labels of a workflow definition and a jurisdiction profile (and the service's own
label dicts) are read by people on pages, in e-mails and in PDFs, and are also data:
compared, stored (a signature's attestation), written to the audit trail, the logs and
the JSON API, all of which stay English. A `Shown` is a `str` whose value is the
English, so everything that treats it as a string of data (==, hashing, dict keys,
JSON, SQL parameters, `+` inside the record) sees the English; everything that shows
it to a person asks for it as text (`str()`, f-strings and `format`, `%s`, Jinja's
`{{ }}` and `~`, its string methods, len and iteration) and gets it in the language of the moment, looked up in the catalogue
then (not when the definition was loaded: definitions are cached across apps and
requests). Outside an app with Flask-Babel, it is its English.

`Shown.english` is the English explicitly, for anything recorded.
"""

from __future__ import annotations

from typing import Callable

from markupsafe import Markup, escape


def translate(text: str) -> str:
    """`text` in the language of the moment: its Welsh from the catalogue, or itself."""
    if not text:
        return text  # gettext("") is the catalogue's header
    from flask import current_app, has_app_context

    if not has_app_context() or "babel" not in current_app.extensions:
        return text
    from flask_babel import get_translations

    return get_translations().gettext(text)


def english(value) -> object:
    """A value as the record holds it: a Shown's English, a lazy_gettext string's English (its
    msgid, with its values), anything else as it is."""
    if isinstance(value, Shown):
        return value.english
    if type(value).__name__ == "LazyString" and getattr(getattr(value, "_func", None), "__name__", "") == "gettext":
        text, values = value._args[0], value._kwargs
        return text % values if values else text
    return value


def _text_en(value) -> str:
    value = english(value)
    return value if type(value) is str else str(value)


class Shown(str):
    """English as data; the reader's language when shown (see the module's docstring)."""

    def __new__(cls, text: str = "", display: Callable[[], str] | None = None) -> "Shown":
        self = super().__new__(cls, text)
        # How to say it now, where that is more than looking the English up (a placeholder
        # filled in in both languages, say).
        self._display = display
        return self

    @property
    def english(self) -> str:
        return str.__str__(self)

    def shown(self) -> str:
        return self._display() if self._display is not None else translate(self.english)

    def __str__(self) -> str:
        return self.shown()

    def __format__(self, spec: str) -> str:
        return format(self.shown(), spec)

    def __html__(self) -> Markup:
        return escape(self.shown())

    def __repr__(self) -> str:
        return f"Shown({self.english!r})"

    def __reduce__(self):
        return (Shown, (self.english,))

    # What a page does to a label before showing it, done in both languages.
    def lower(self) -> "Shown":
        return Shown(self.english.lower(), lambda: self.shown().lower())

    def substitute(self, placeholder: str, value) -> "Shown":
        """The text with `placeholder` ("{duty}") standing for `value`, in either language."""
        return Shown(self.english.replace(placeholder, _text_en(value)),
                     lambda: self.shown().replace(placeholder, str(value)))

    def format(self, *args, **kwargs) -> "Shown":
        return Shown(self.english.format(*map(english, args), **{k: english(v) for k, v in kwargs.items()}),
                     lambda: self.shown().format(*args, **kwargs))

    def __add__(self, other) -> "Shown":
        return Shown(self.english + _text_en(other), lambda: self.shown() + str(other))

    def __radd__(self, other) -> "Shown":
        return Shown(_text_en(other) + self.english, lambda: str(other) + self.shown())


# Every other way of reading it as text (splitting it into lines to draw, measuring it, slicing it,
# escaping it) reads what is shown: only the value itself, as data, is the English.
_READ_AS_SHOWN = (
    "capitalize", "casefold", "center", "count", "endswith", "expandtabs", "find", "index", "isalnum",
    "isalpha", "isascii", "isdigit", "islower", "isspace", "istitle", "isupper", "ljust", "lstrip",
    "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition",
    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
    "zfill", "__iter__", "__len__", "__getitem__", "__contains__", "__mod__",
)


def _reading_shown(name: str):
    method = getattr(str, name)

    def read(self, *args, **kwargs):
        return method(self.shown(), *args, **kwargs)

    read.__name__ = name
    return read


for _name in _READ_AS_SHOWN:
    setattr(Shown, _name, _reading_shown(_name))


def shown(text: str | None) -> Shown | None:
    """Loaded English to show translated (None, and what is already Shown, as they are)."""
    if text is None or isinstance(text, Shown):
        return text
    return Shown(text)
