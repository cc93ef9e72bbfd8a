"""The words an audit event's facts are read in, written once.

An event stores what happened as data: its action code, the comment its actor
wrote, a kind (what sort of fact it records) and details (the facts, as keys
and values). The History, the PDF's appendix and the interchange export read
it in words through `words`, so the English lives here and nowhere in the rows
(ready for a second language).

Events recorded before the facts were stored (hash form 1) hold their words
whole in their comment, hashed that way: they are read as they were written.
"""

from __future__ import annotations

from typing import Protocol

# What an event's details record (AuditEvent.kind). Any other event has no kind ("").
SIGNATURE = "signature"  # {"content_sha256": the hash of the content record signed}
EDIT = "edit"  # {"section": the section changed}
RESTORE = "restore"  # {"reference", "source", "state", "events", "trail_sha256", "content_sha256"}

# The hash forms of the chain (eqia.services.audit): 1 hashes the comment as the words
# were written; 2 hashes the actor's own comment, the kind and the details.
WORDS_FORM, FACTS_FORM = 1, 2

CONTENT_NOTE_PREFIX = "Content SHA-256: "
CONTENT_NOTE = CONTENT_NOTE_PREFIX + "{content_sha256}"
RESTORED = ("Restored {reference}{source}, {state}, with {events} events of its trail (trail SHA-256 "
            "{trail_sha256}) and content SHA-256 {content_sha256}")
FROM_SOURCE = " from {source}"


class Recorded(Protocol):
    user_comment: str
    kind: str
    details: dict
    hash_version: int


def notes(kind: str, details: dict) -> list[str]:
    """The sentences a kind of event adds after its actor's own comment."""
    if kind == SIGNATURE:
        return [CONTENT_NOTE.format(**details)]
    if kind == RESTORE:
        source = FROM_SOURCE.format(source=details["source"]) if details["source"] else ""
        return [RESTORED.format(**{**details, "source": source})]
    return []


def words(event: Recorded) -> str:
    """The event's comment as people read it: the actor's own words, then what its facts say."""
    if (event.hash_version or FACTS_FORM) < FACTS_FORM:
        return event.user_comment or ""
    return "\n".join(filter(None, [event.user_comment, *notes(event.kind or "", event.details or {})]))
