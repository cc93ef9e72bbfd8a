"""What the engine, and every service beside it, refuses with. Views and the API
turn these into responses: each carries the HTTP status it means and the
problems to show."""

from __future__ import annotations

from eqia.workflow.hooks import Problem


class ServiceError(Exception):
    status = 400

    def __init__(self, *problems: Problem | str) -> None:
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("; ".join(p.message for p in self.problems))


class NotFound(ServiceError):
    """Missing, or not visible to this user (the two look the same from outside)."""

    status = 404


class Forbidden(ServiceError):
    """This user may not do this (role, segregation of duties)."""

    status = 403


class NotPossible(ServiceError):
    """Not possible in the record's current state or content."""

    status = 409


class Conflict(ServiceError):
    """Someone else saved first: the caller's lock version is stale."""

    status = 409

    def __init__(self, current, *problems: Problem | str) -> None:
        self.current = current
        # Read now, while the row is loaded: the caller's transaction is rolled back next.
        self.current_lock_version = current.lock_version if current is not None else None
        super().__init__(*problems)


class Invalid(ServiceError):
    status = 422
