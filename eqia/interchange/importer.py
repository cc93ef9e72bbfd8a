"""Reading an interchange document back in as a new assessment.

A plain import creates a new EqIA in its workflow's first state, with a new
reference, written by the importing user: everything the document *says*
(register details, screening, evidence, consultation, the analysis of each
characteristic, outcome, action plan) and none of what happened to it
elsewhere (its state, challenge rounds, signatures and audit trail belong to
the system that recorded them). The characteristics are the document's own,
keys and labels as written, even where this deployment's set differs.

Nothing is half-imported: the document is checked whole (the JSON Schema, then
dates, numbering and citations) and every problem is reported with its JSON
path before a row is written; the rows are then written in one transaction.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from jsonschema import Draft202012Validator
from sqlalchemy import select

from eqia.audit_words import IMPORT
from eqia.characteristics import aim_key
from eqia.admin import directorates
from eqia.extensions import db
from eqia.interchange.schema import BACKUP_FORMAT, FORMAT, schema
from eqia.models import (
    Assessment,
    AssessmentOutcome,
    Directorate,
    EvidenceItem,
    ImpactAim,
    User,
    utcnow,
)
from eqia.assessments.shape import (
    ACCOUNT,
    ACTIVITY_KIND,
    AIMS,
    CHOICE,
    CITATIONS,
    DATE,
    DIRECTORATE,
    GROUP,
    OUTCOME_SET,
    PARTS,
    REVIEW_PARTS,
    SCALE,
    Field,
    Items,
    Part,
    every_field,
)
from eqia.loaded_definitions import DEFAULT_WORKFLOW, characteristics, workflows
from eqia.services import access, action_owners
from eqia.services.assessments import (
    CANNOT_CREATE,
    add_characteristic_rows,
    check_directorate,
    groups_missing_note,
    missing_groups,
    next_reference,
)
from eqia.services.audit import IMPORT_ACTION, append_event
from eqia.services.errors import Forbidden, Invalid, ServiceError
from eqia.workflow.hooks import Problem
from eqia.assessments.sections import LINK_NOT_WEB, is_web_link
from eqia.unit_of_work import service_step, undo_step

FILE_MAX = 32 * 1024 * 1024  # bytes: a large EqIA with its whole trail is well under 1 MiB
PROBLEMS_SHOWN = 50
# No document this service reads nests deeper than a dozen levels (a backup's challenge round's snapshot of a
# group's aims); Python's own parser gives up near a thousand, and code walking a parsed value
# recursively (the schema's validator, the digest's serialiser) could not go deeper either.
JSON_DEPTH_MAX = 64
NESTED_TOO_DEEPLY = f"The JSON is nested too deeply: send JSON nested no more than {JSON_DEPTH_MAX} levels deep"


def _schema_validator() -> Draft202012Validator:
    """The schema under the running app's profile (its kinds of activity), built once per app."""
    loaded = current_app.extensions["eqia"]
    if "interchange_validator" not in loaded:
        loaded["interchange_validator"] = Draft202012Validator(schema(characteristics()))
    return loaded["interchange_validator"]


@dataclass(frozen=True)
class DocumentProblem:
    path: str  # a JSON path: "$.evidence[2].dated"
    message: str
    record: str = ""  # in a file of many, which one (`record_name`)

    def __str__(self) -> str:
        return f"{self.record + ': ' if self.record else ''}{self.path}: {self.message}"


class BadDocument(Invalid):
    """The document cannot be imported; `problems` says where and why."""

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.document_problems = problems
        super().__init__(*(Problem(p.message, field=p.path) for p in problems))


@dataclass
class ImportResult:
    assessment: Assessment
    notes: list[str] = field(default_factory=list)
    # The keys of configured groups the document does not consider (an author can add them).
    missing_groups: list[str] = field(default_factory=list)


def _too_deep(value: Any) -> bool:
    """Whether `value` nests lists and objects more than JSON_DEPTH_MAX deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > JSON_DEPTH_MAX:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse(data: bytes | str) -> Any:
    """JSON text (a file, or a request's body: every JSON the service reads is
    parsed here), or BadDocument saying where it stops being JSON."""
    if len(data) > FILE_MAX:
        raise BadDocument([DocumentProblem("$", f"The file is larger than {FILE_MAX // (1024 * 1024)} MiB")])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadDocument([DocumentProblem("$", f"The file is not UTF-8 text (byte {exc.start})")]) from None
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise BadDocument([DocumentProblem("$", f"Not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]) \
            from None
    except RecursionError:
        raise BadDocument([DocumentProblem("$", NESTED_TOO_DEEPLY)]) from None
    if isinstance(value, (dict, list)) and _too_deep(value):
        raise BadDocument([DocumentProblem("$", NESTED_TOO_DEEPLY)])
    return value


def _words(error) -> tuple[str, str]:
    """A schema error as (path, message) a person can act on."""
    path = error.json_path
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return f"{path}.{missing}" if missing else path, "is missing"
    if kind == "additionalProperties":
        return path, f"has a field this format does not have ({error.message.split('(')[-1].rstrip(')')})"
    if kind == "maxLength":
        return path, f"must be {error.validator_value:,} characters or fewer"
    if kind == "minLength":
        return path, "must not be empty"
    if kind == "maxItems":
        return path, f"must have {error.validator_value:,} entries or fewer"
    if kind == "enum":
        options = ", ".join("null" if v is None else str(v) for v in error.validator_value)
        return path, f"must be one of: {options}"
    if kind == "const":
        return path, f"must be {error.validator_value!r}: this is not an interchange document of this format"
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = {"string": "text", "integer": "a whole number", "boolean": "true or false", "null": "null",
                 "object": "an object", "array": "a list", "number": "a number"}
        return path, "must be " + " or ".join(words.get(w, w) for w in wanted)
    if kind == "pattern":
        return path, f"is not in the expected form ({error.validator_value})"
    return path, error.message


# Keys of scales, states and groups: the schema's patterns, which Python's `$` lets end in a line break.
# The content's are the shape's keyed fields; the rest are the ledger's, the workflow's and the trail's.
KEY_FIELDS = frozenset({f.interchange for _, _, f in every_field() if f.kind in (GROUP, SCALE, CHOICE, ACTIVITY_KIND)}
                       | {"decision", "status", "response", "role", "state"})


def _text_problems(value: Any, path: str, found: list[DocumentProblem], name: str = "") -> None:
    """Text the database cannot store as it is: NUL, lone surrogates; and keys with line breaks."""
    if isinstance(value, str):
        if "\x00" in value:
            found.append(DocumentProblem(path, "contains a null character (\\0), which cannot be stored"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            found.append(DocumentProblem(path, "contains a character that is not Unicode text (a lone surrogate)"))
        if name in KEY_FIELDS and value != value.strip():
            found.append(DocumentProblem(path, "must not have spaces or line breaks"))
    elif isinstance(value, dict):
        for k, v in value.items():
            _text_problems(v, f"{path}.{k}", found, k)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            _text_problems(v, f"{path}[{n}]", found, name)


def _part(doc: dict, part: Part) -> tuple[str, Any]:
    """Where a part of the shape is in a document, and what is there."""
    return (f"$.{part.interchange}", doc[part.interchange]) if part.interchange else ("$", doc)


def _rows(node: Any, path: str, items: Items) -> tuple[str, list[dict]]:
    return (path, node) if items.interchange is None else (f"{path}.{items.interchange}", node[items.interchange])


def _dates(doc: dict) -> list[tuple[str, str | None]]:
    found = []
    for part in PARTS:
        path, node = _part(doc, part)
        for member in part.members:
            if isinstance(member, Items):
                rows_path, rows = _rows(node, path, member)
                found += [(f"{rows_path}[{n}].{f.interchange}", row[f.interchange]) for n, row in enumerate(rows)
                          for f in member.fields if f.kind == DATE]
            elif member.kind == DATE:
                found.append((f"{path}.{member.interchange}", node[member.interchange]))
    if doc.get("provenance"):
        found.append(("$.provenance.published_on", doc["provenance"].get("published_on")))
    return found


def _unique(rows: list[dict], name: str, path: str, what: str) -> list[DocumentProblem]:
    seen: set = set()
    problems = []
    for n, row in enumerate(rows):
        if row[name] in seen:
            problems.append(DocumentProblem(f"{path}[{n}].{name}", f"{what} {row[name]!r} appears more than once"))
        seen.add(row[name])
    return problems


def check(doc: Any) -> list[DocumentProblem]:
    """Every problem with the document, each with its JSON path (empty: it can be imported)."""
    # The first errors only, as they are found: a hostile document can hold millions of them.
    errors = list(itertools.islice(_schema_validator().iter_errors(doc), PROBLEMS_SHOWN))
    problems = [DocumentProblem(*_words(e)) for e in sorted(errors, key=lambda e: repr(list(e.absolute_path)))]
    if problems:
        return problems  # the checks below rely on the shape the schema guarantees
    _text_problems(doc, "$", problems)
    for path, value in _dates(doc):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                problems.append(DocumentProblem(path, f"{value!r} is not a real date"))
    problems += _unique(doc["evidence"], "number", "$.evidence", "Evidence number")
    problems += _unique(doc["screening"]["answers"], "characteristic", "$.screening.answers", "Characteristic")
    problems += _unique(doc["characteristics"], "characteristic", "$.characteristics", "Characteristic")
    for part in REVIEW_PARTS:
        if part.interchange in doc:
            path = f"$.{part.interchange}.{part.items.interchange}"
            problems += _unique(doc[part.interchange][part.items.interchange], "characteristic", path,
                                "Characteristic")
    screened = [(r["characteristic"], r["label"]) for r in doc["screening"]["answers"]]
    analysed = [(i["characteristic"], i["label"]) for i in doc["characteristics"]]
    if sorted(screened) != sorted(analysed):
        problems.append(DocumentProblem("$.characteristics", "must name the same characteristics, with the same "
                                        "labels, as $.screening.answers (or leave both empty for this "
                                        "service's own set)"))
    for n, e in enumerate(doc["evidence"]):
        if e["link"] and not is_web_link(e["link"]):
            problems.append(DocumentProblem(f"$.evidence[{n}].link", LINK_NOT_WEB))
    url = (doc.get("provenance") or {}).get("url")
    if url and not is_web_link(url):
        # Shown as a link on the overview: never a file, a script or a page of no scheme.
        problems.append(DocumentProblem("$.provenance.url", LINK_NOT_WEB))
    numbers = {e["number"] for e in doc["evidence"]}
    for n, analysis in enumerate(doc["characteristics"]):
        for m, cited in enumerate(analysis["evidence_cited"]):
            if cited not in numbers:
                problems.append(DocumentProblem(f"$.characteristics[{n}].evidence_cited[{m}]",
                                                f"cites evidence number {cited}, which the document does not have"))
    return problems[:PROBLEMS_SHOWN]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _directorate(name: str) -> Directorate:
    found = directorates.by_name(name)
    if found is None:
        raise BadDocument([DocumentProblem("$.register_details.directorate",
                                           f"There is no directorate called {name!r} here: add it, or change the "
                                           "file to name one of this council's directorates")])
    return found


def _stored(field: Field, value: Any) -> Any:
    return _day(value) if field.kind == DATE else value


def _apply_content(a: Assessment, doc: dict) -> None:
    """Every field of the shape, from where the document has it (the directorate, by name, is found apart)."""
    source = doc.get("provenance") or {}
    a.provenance_title, a.provenance_organisation = source.get("title", ""), source.get("organisation", "")
    a.provenance_url, a.provenance_published_on = source.get("url", ""), _day(source.get("published_on"))
    evidence: dict[int, EvidenceItem] = {}  # by the number the analyses cite it by
    # A review's part where the document has one (only a version that recorded a review does).
    for part in (*PARTS, *(p for p in REVIEW_PARTS if p.interchange in doc)):
        _, node = _part(doc, part)
        for member in part.members:
            if isinstance(member, Items):
                _, rows = _rows(node, "", member)
                made = [_row(member, n, row, evidence) for n, row in enumerate(rows)]
                if member.numbered:
                    evidence.update((row["number"], item) for row, item in zip(rows, made))
                    made = list({row["number"]: item for row, item in zip(rows, made)}.values())
                setattr(a, member.collection, made)
            elif member.kind == OUTCOME_SET:
                a.outcomes = [AssessmentOutcome(outcome=o) for o in sorted(set(node[member.interchange]))]
            elif member.kind != DIRECTORATE:
                setattr(a, member.key, _stored(member, node[member.interchange]))


def _row(items: Items, position: int, row: dict, evidence: dict[int, EvidenceItem]) -> Any:
    """One repeated row (a screening answer, an analysis, an action) from the document's."""
    made = items.model(position=position)
    for f in items.fields:
        if f.kind == AIMS:
            made.aim_answers = [ImpactAim(aim_key=key, relevant=relevant)
                                for key, relevant in sorted(aims_said(row).items()) if relevant is not None]
        elif f.kind == CITATIONS:
            made.evidence = [evidence[c] for c in sorted(set(row[f.interchange]))]
        elif f.kind == ACCOUNT:
            # The same person here if they have an active account with that address; else the name alone.
            account = action_owners.account_by_email(row.get(f.interchange))
            setattr(made, f.key, account.id if account is not None else None)
        else:
            setattr(made, f.key, _stored(f, row[f.interchange]))
    return made


def aims_said(analysis: dict) -> dict[str, bool | None]:
    """A group's aims as a document names them, by the key each is stored under."""
    return {aim_key(name): relevant for name, relevant in analysis["aims"].items()}


def _profile(doc: dict, a: Assessment) -> tuple[str, int | None]:
    """The profile a new assessment records: the document's, or this service's
    when its groups are this service's own; otherwise not known ("")."""
    if doc.get("profile"):
        return doc["profile"]["key"], doc["profile"]["version"]
    profile = characteristics()
    configured = {c.key for c in profile.characteristics}
    if all(r.characteristic_key in configured for r in (*a.screening_answers, *a.impacts)):
        return profile.key, profile.version
    return "", None


def documents_in(data: Any) -> list[tuple[str, Any]]:
    """The documents a file holds, each with its path: one document, or a
    backup of many (`flask eqia export --all`)."""
    if isinstance(data, dict) and data.get("format") == BACKUP_FORMAT:
        items = data.get("assessments")
        if not isinstance(items, list):
            raise BadDocument([DocumentProblem("$.assessments", "must be a list of interchange documents")])
        return [(f"$.assessments[{n}]", doc) for n, doc in enumerate(items)]
    return [("$", data)]


def record_name(prefix: str, doc: Any) -> str:
    """A record of a file of many, as a person finds it: its place in the file and its reference."""
    if isinstance(doc, dict) and isinstance(doc.get("reference"), str):
        return f"record {prefix} ({doc['reference']} version {doc.get('version', 1)})"
    return f"record {prefix} (no reference)"


def _within(prefix: str, problems: list[DocumentProblem], doc: Any = None) -> list[DocumentProblem]:
    """Problems of one record of a file of many, with their paths in the file, naming the record."""
    if prefix == "$":
        return problems
    record = record_name(prefix, doc)
    return [DocumentProblem(p.path if p.path.startswith(prefix) else prefix + p.path[1:], p.message, record)
            for p in problems]


class RecordRefused(ServiceError):
    """One record of a file of many was refused (a role, a directorate): which one, and why."""

    def __init__(self, record: str, error: ServiceError) -> None:
        self.status, self.record = error.status, record
        super().__init__(*(Problem(f"{record}: {p.message}", p.page, p.field, p.args) for p in error.problems))


def _create(user: User, doc: dict, source: str, prefix: str, notes: list[str]) -> Assessment:
    label = f"{doc['reference']} version {doc.get('version', 1)}" if "reference" in doc else "a new document"
    name = doc.get("workflow", {}).get("name", DEFAULT_WORKFLOW)
    try:
        definition = workflows().current(name)
    except LookupError:
        definition = workflows().current(DEFAULT_WORKFLOW)
        notes.append(f"{label}: this service has no workflow called {name!r}; the new assessment "
                     f"follows {definition.name!r}.")
    if not user.roles & definition.create_roles:
        raise Forbidden(CANNOT_CREATE)
    try:
        directorate = _directorate(doc["register_details"]["directorate"])
    except BadDocument as error:
        raise BadDocument(_within(prefix, error.document_problems)) from None
    check_directorate(user, directorate.id)
    now = utcnow()
    a = Assessment(reference=next_reference(now.year), version_number=1, workflow_name=definition.name,
                   workflow_version=definition.version, state=definition.initial, created_by_id=user.id,
                   created_at=now, updated_at=now, directorate_id=directorate.id)
    _apply_content(a, doc)
    if not a.screening_answers and not a.impacts:
        add_characteristic_rows(a)
    a.profile_key, a.profile_version = _profile(doc, a)
    missing = missing_groups(a)
    if missing:
        notes.append(groups_missing_note([c.name for c in missing]))
    # Who may see an assessment is not the author's to set, on a page or here (a restore keeps it).
    if doc.get("restricted") or doc.get("viewers"):
        notes.append(f"{label}: it was restricted to named viewers there; a new assessment made from it is "
                     "not restricted (only a restore keeps who may see it)")
    db.session.add(a)
    db.session.flush()
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    facts = {"source": source, "reference": doc.get("reference", ""), "version": doc.get("version", 1),
             "state": doc.get("state", ""), "document_sha256": digest}
    append_event(action=IMPORT_ACTION, actor=user, role=access.held_role(user, definition.create_roles) or "",
                 assessment=a, to_state=a.state, kind=IMPORT, details=facts)
    return a


@service_step
def import_documents(data: Any, importer, *, source: str = "") -> list[ImportResult]:
    """Create a new assessment from each document in `data` (one document or a
    backup), in one transaction: all of them, or none. `importer(doc)` gives the
    user each is imported as (who must be able to start an assessment in its
    directorate); `source` names where they came from, for the audit trail."""
    found = documents_in(data)
    problems = [p for prefix, doc in found for p in _within(prefix, check(doc), doc)]
    if problems:
        raise BadDocument(problems[:PROBLEMS_SHOWN])
    results = []
    try:
        for prefix, doc in found:
            notes: list[str] = []
            try:
                made = _create(importer(prefix, doc), doc, source, prefix, notes)
            except BadDocument as error:
                raise BadDocument(_within(prefix, error.document_problems, doc)) from None
            except ServiceError as error:
                if prefix == "$":
                    raise
                raise RecordRefused(record_name(prefix, doc), error) from None
            results.append(ImportResult(made, notes, [c.key for c in missing_groups(made)]))
        db.session.flush()
        return results
    except Exception:
        undo_step()
        raise


def import_document(user: User, doc: Any, *, source: str = "") -> ImportResult:
    """One document, imported as `user`."""
    if isinstance(doc, dict) and doc.get("format") == BACKUP_FORMAT:
        raise BadDocument([DocumentProblem("$.format", f"must be {FORMAT!r}: send one assessment at a time")])
    return import_documents(doc, lambda prefix, d: user, source=source)[0]
