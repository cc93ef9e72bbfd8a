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
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}

# The keys of a workflow definition or jurisdiction profile whose values people read: each is
# shown translated where it is shown (eqia/workflow/definition.py, eqia/characteristics.py).
DEFINITION_WORDS = frozenset({
    "label", "phrase", "description", "title", "name", "hint", "citation", "short", "regard",
})


def extract_definition_words(fileobj, keywords, comment_tags, options):
    """Babel's extractor for the definitions' YAML: every string under a key of DEFINITION_WORDS,
    with the line it is on."""
    import yaml

    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(value, yaml.ScalarNode) and key.value in DEFINITION_WORDS and value.value.strip():
                    yield value.start_mark.line + 1, None, value.value, []
                else:
                    yield from walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from walk(item)

    if root is not None:
        yield from walk(root)


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
