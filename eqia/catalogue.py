"""The Welsh catalogue kept in step with the code: `python -m eqia.catalogue update`
extracts every string wrapped for translation (Python, templates, and the labels of
the workflow definitions and jurisdiction profiles) and merges them into
eqia/translations/cy/LC_MESSAGES/messages.po, keeping every translation already
there; `python -m eqia.catalogue check` lists what has no Welsh yet.

A Welsh speaker's review is tracked in the catalogue itself: an entry whose
translation has not been reviewed carries the translator comment "needs review"
(docs/welsh.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from eqia.config import PROJECT_ROOT
from eqia.i18n import catalogue_path

METHOD_MAP = [
    ("eqia/**.py", "python"),
    ("forms/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),  # the e-mails' plain-text bodies
    ("pdf_templates/**.html", "jinja2"),
    ("workflows/**.yaml", "eqia.catalogue:extract_definition_words"),
    ("eqia/data/**.yaml", "eqia.catalogue:extract_definition_words"),
]
OPTIONS_MAP = {"templates/**.html": {"trimmed": "true", "silent": "false"},
               "templates/**.txt": {"trimmed": "true", "silent": "false"},
               "pdf_templates/**.html": {"trimmed": "true", "silent": "false"}}
# Shown("...") (eqia/workflow/shown.py): English as data, translated when shown.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "Shown": None}

# What people read in a workflow definition or a jurisdiction profile, by the key it is under; the
# code makes each of these `Shown` when it loads the file (eqia/workflow/definition.py,
# eqia/characteristics.py), so each is looked up in the catalogue as it is shown. Every other key
# is data and stays out of the catalogue: identifiers and codes (`key`, `trigger`, `source`, `dest`,
# `initial`, `tag`, `style`, `meaning`, `after`, `notice`, a workflow's `name`, the state and right
# names used as mapping keys), roles and hook names (`roles`, `editable_by`, `create_roles`,
# `required_fields`, `guards`, `effects`, `excluded`, `relations`, `states`, a characteristic's
# `aims`: a list of aim keys), numbers and flags (`version`, `signatures`, `statutory`, `frozen`...),
# and the outcome rules.
#   label, phrase, description, done, comment_label, attestation: a state's, a transition's or a
#     right's words on buttons, tags, tables, messages and the sign-off; title: a workflow's;
#   message: a segregation-of-duties refusal;
#   title, label, description: also an equality framework's, its modules', criteria and ratings
#     (eqia/data/frameworks/, made `Shown` by eqia/frameworks/definition.py);
#   name: a characteristic's, a duty's, a profile's (a workflow's `name` is its identifier: see
#     IDENTIFIER_NAME); hint: a characteristic's; citation, short, regard: a duty's.
DEFINITION_WORDS = frozenset({
    "label", "phrase", "description", "done", "comment_label", "attestation", "title", "message",
    "name", "hint", "citation", "short", "regard",
})
# Keys whose value is a mapping of codes to words people read: a profile's aims ("a": "Eliminate
# discrimination..."), its questions ("{group}: ...") and its own section titles.
DEFINITION_WORD_MAPPINGS = frozenset({"aims", "questions", "section_titles"})
# A workflow file (it has `transitions`) is known by its `name` ("standard"), which is stored on
# every assessment: an identifier, never shown translated.
IDENTIFIER_NAME = "name"


def extract_definition_words(fileobj, keywords, comment_tags, options):
    """Babel's extractor for the definitions' YAML: every string people read (DEFINITION_WORDS,
    DEFINITION_WORD_MAPPINGS), with the line it is on, its whitespace collapsed as the loaders
    collapse it, so the catalogue holds the text exactly as it is looked up."""
    import yaml

    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)

    def said(node):
        text = " ".join(node.value.split())
        if text:
            yield node.start_mark.line + 1, None, text, []

    def walk(node, top=False):
        if isinstance(node, yaml.MappingNode):
            workflow = top and any(key.value == "transitions" for key, _ in node.value)
            for key, value in node.value:
                if isinstance(value, yaml.ScalarNode):
                    if key.value in DEFINITION_WORDS and not (workflow and key.value == IDENTIFIER_NAME):
                        yield from said(value)
                elif isinstance(value, yaml.MappingNode) and key.value in DEFINITION_WORD_MAPPINGS:
                    for _, text in value.value:
                        if isinstance(text, yaml.ScalarNode):
                            yield from said(text)
                else:
                    yield from walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from walk(item)

    if root is not None:
        yield from walk(root, top=True)


def extracted() -> Catalog:
    template = Catalog(project="eqia", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PROJECT_ROOT), METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(language: str = "cy") -> Catalog:
    with catalogue_path(language).open("rb") as f:
        return read_po(f, locale=language)


def untranslated(catalogue: Catalog) -> list[str]:
    return [str(m.id) for m in catalogue if m.id and (m.fuzzy or not m.string
                                                     or (isinstance(m.string, tuple) and not all(m.string)))]


def update(language: str = "cy") -> Catalog:
    path = catalogue_path(language)
    catalogue = read(language) if path.exists() else Catalog(locale=language, project="eqia", fuzzy=False)
    catalogue.update(extracted(), no_fuzzy_matching=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalogue, width=100, ignore_obsolete=True, sort_by_file=True)
    return catalogue


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        catalogue = update()
        missing = untranslated(catalogue)
        print(f"{len(catalogue)} strings; {len(missing)} without Welsh")
        return 0
    if command == "check":
        missing = untranslated(read())
        for message in missing:
            print(message)
        print(f"{len(missing)} without Welsh", file=sys.stderr)
        return 1 if missing else 0
    print("usage: python -m eqia.catalogue [update|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
