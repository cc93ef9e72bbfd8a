"""What makes a password acceptable: the one check every path that sets a
password goes through (changing your own, a reset or invitation link, an
admin, `flask eqia create-user`).

OWASP ASVS level 2 (2.1.1, 2.1.2, 2.1.7, 2.1.9) and NCSC's guidance: length
over composition. At least PASSWORD_MIN characters, at most PASSWORD_MAX (so
long passphrases fit, and nobody makes the hasher chew a megabyte), any
characters at all, no rule about capitals, digits or symbols. What is refused
is what an attacker tries first: common words and their variants
(eqia/data/common_passwords.txt, with digits, symbols and look-alike
substitutions around them), keyboard walks, sequences, repeated characters,
and the person's own name or e-mail address or the service's and council's
names padded out to length.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext
from markupsafe import escape

from eqia.workflow.errors import N_  # the one marker for the catalogue; re-exported for the views
from eqia.workflow.hooks import Problem

PASSWORD_MIN = 12
PASSWORD_MAX = 256


class PageWords(str):
    """A message these checks give: English as a string, as the CLI, the API, the audit trail and every
    comparison read it; in the page's language where a page draws it (Jinja escapes it through
    __html__). A lazy string would not do: it is no str, so `message in text` and "; ".join fail."""

    msgid: str
    values: dict

    def __new__(cls, msgid: str, **values):
        words = super().__new__(cls, msgid % values if values else msgid)
        words.msgid, words.values = msgid, values
        return words

    def __html__(self) -> str:
        return escape(gettext(self.msgid, **self.values))


TOO_SHORT = PageWords(N_("Enter a password of at least %(min)d characters"), min=PASSWORD_MIN)
TOO_LONG = PageWords(N_("Enter a password of %(max)d characters or fewer"), max=PASSWORD_MAX)
TOO_COMMON = PageWords(N_(
    "Enter a password that is harder to guess: this one is built from a common password, word or pattern "
    "(such as a keyboard row, a sequence or a year). Three or four random words are easy to remember and hard "
    "to guess"))
PERSONAL = PageWords(N_(
    "Enter a password that is harder to guess: this one is built from your name, your email address or the name "
    "of this service"))
HINT = PageWords(N_("At least %(min)d characters and at most %(max)d. Three or four random words are easy to "
                    "remember and hard to guess"), min=PASSWORD_MIN, max=PASSWORD_MAX)

COMMON_WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"

# What is left once the guessable parts are taken out must be at least this long, and
# hold at least this many different characters, for the password to count as its own.
LEFT_MIN = 6
DISTINCT_MIN = 5
# A string is a walk when at least this share of its steps go to a key's neighbour,
# the next or previous letter or digit, or the same character again.
WALK_SHARE = 0.75

_LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
                              "$": "s", "!": "i", "|": "l", "+": "t"})
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]", "asdfghjkl;'#", "\\zxcvbnm,./")
_SERVICE_WORDS = ("eqia", "equality", "impact", "assessment")
_WORD = re.compile(r"[^\W\d_]{3,}")


@cache
def common_words() -> tuple[str, ...]:
    """The listed words, longest first (so "password" is taken out before "pass")."""
    lines = COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@cache
def _neighbours() -> dict[str, set[str]]:
    near: dict[str, set[str]] = {}
    for row in _KEYBOARD_ROWS:
        for a, b in zip(row, row[1:]):
            near.setdefault(a, set()).add(b)
            near.setdefault(b, set()).add(a)
    return near


def _is_step(a: str, b: str) -> bool:
    return a == b or abs(ord(a) - ord(b)) == 1 or b in _neighbours().get(a, ())


def _is_walk(text: str) -> bool:
    if len(text) < 2:
        return True
    steps = sum(_is_step(a, b) for a, b in zip(text, text[1:]))
    return steps >= WALK_SHARE * (len(text) - 1)


def _without(text: str, words: tuple[str, ...]) -> str:
    for word in words:
        text = text.replace(word, " ")
    return text


def _guessable(left: str) -> bool:
    """Whether what is left of a password, once known words are out, is too little to stand alone."""
    own = re.sub(r"[\W_]+", "", left)
    return len(own) < LEFT_MIN or len(set(own)) < DISTINCT_MIN or _is_walk(own)


def _personal_words(email: str, name: str) -> tuple[str, ...]:
    local, _, domain = (email or "").lower().partition("@")
    words = {local} | set(_WORD.findall(local)) | set(_WORD.findall((name or "").lower()))
    words |= {label for label in domain.split(".")[:-1] if len(label) >= 4}
    words |= set(_SERVICE_WORDS)
    if has_app_context():
        words |= {w for w in _WORD.findall(current_app.config.get("EQIA_COUNCIL_NAME", "").lower()) if len(w) >= 4}
    words.discard("")
    return tuple(sorted((w for w in words if len(w) >= 3), key=lambda w: (-len(w), w)))


def problems(password: str, *, email: str = "", name: str = "", field: str = "password") -> list[Problem]:
    """What is wrong with `password` as the password of the person with this
    e-mail address and name: nothing (an empty list), or one problem for
    `field`, the first the person should fix."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        return [Problem(TOO_SHORT, field=field)]
    if len(password) > PASSWORD_MAX:
        return [Problem(TOO_LONG, field=field)]
    common, personal = common_words(), _personal_words(email, name)
    # Judged as typed and with look-alikes read as letters ("p4ssw0rd" is "password").
    for text in {password.lower(), password.lower().translate(_LOOK_ALIKES)}:
        if _guessable(_without(text, common)):
            return [Problem(TOO_COMMON, field=field)]
        if _guessable(_without(_without(text, personal), common)):
            return [Problem(PERSONAL, field=field)]
    return []
