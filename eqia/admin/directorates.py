"""The council's directorates and their services, as an admin keeps them:
create, rename, retire. Nothing is deleted: an assessment made under a
directorate or service keeps naming it after it retires, but a retired one is
no longer offered for new work. Names are unique among the live ones.

Every change is an audit event of kind "admin" whose details are codes and ids
(eqia.audit_words reads them in words). Functions here flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from eqia.admin import trail
from eqia.admin.listing import Page, clamp
from eqia.extensions import db
from eqia.models import Directorate, ServiceArea, User, utcnow
from eqia.services.errors import NUL_REFUSED, Invalid, NotFound, NotPossible
from eqia.unit_of_work import refusing_clashes, service_step
from eqia.workflow.hooks import Problem
from eqia.workflow.errors import N_


NAME_MAX = 200
PAGE_SIZE = 25

# The words of this module, in one place: English here, translated where they are shown.
DIRECTORATE_NAME_MISSING = N_("Enter the name of the directorate")
SERVICE_NAME_MISSING = N_("Enter the name of the service")
NAME_TOO_LONG = N_("The name must be 200 characters or fewer")  # NAME_MAX
DIRECTORATE_NAME_TAKEN = N_("There is already a directorate called that: enter a different name")
SERVICE_NAME_TAKEN = N_("This directorate already has a service called that: enter a different name")
ALREADY_RETIRED = N_("This has already been retired")
RETIRED_CANNOT_CHANGE = N_("A retired directorate cannot be changed or given new services")
NO_SUCH_DIRECTORATE = N_("There is no such directorate")
NO_SUCH_SERVICE = N_("There is no such service")
assert str(NAME_MAX) in NAME_TOO_LONG


def by_name(name: str) -> Directorate | None:
    """The directorate of this name: the live one, else the one retired last (an
    import or restore naming a directorate that has since been retired keeps it)."""
    return db.session.execute(select(Directorate).where(Directorate.name == name)
                              .order_by(Directorate.retired_at.is_not(None), Directorate.retired_at.desc(),
                                        Directorate.id).limit(1)).scalars().first()


def live_directorates() -> list[Directorate]:
    return list(db.session.execute(select(Directorate).where(Directorate.retired_at.is_(None))
                                   .order_by(Directorate.name)).scalars())


def page_of_directorates(number: int) -> Page[Directorate]:
    """Live directorates first, then retired ones, by name, with their services: two queries a page."""
    total = db.session.execute(select(func.count()).select_from(Directorate)).scalar_one()
    number = clamp(number, total, PAGE_SIZE)
    rows = list(db.session.execute(
        select(Directorate).order_by(Directorate.retired_at.is_not(None), Directorate.name, Directorate.id)
        .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars())
    services: dict[int, list[ServiceArea]] = {d.id: [] for d in rows}
    if rows:
        for service in db.session.execute(
                select(ServiceArea).where(ServiceArea.directorate_id.in_(services))
                .order_by(ServiceArea.retired_at.is_not(None), ServiceArea.name)).scalars():
            services[service.directorate_id].append(service)
    return Page(rows, number, total, PAGE_SIZE, {"services": services})


def services_of(directorate: Directorate) -> list[ServiceArea]:
    """Live first, by name. A directorate has tens of services at most: one query, no pages."""
    return list(db.session.execute(select(ServiceArea).where(ServiceArea.directorate_id == directorate.id)
                                   .order_by(ServiceArea.retired_at.is_not(None), ServiceArea.name)).scalars())


def get_directorate(directorate_id: int) -> Directorate:
    found = db.session.get(Directorate, directorate_id)
    if found is None:
        raise NotFound(NO_SUCH_DIRECTORATE)
    return found


def get_service(service_id: int) -> ServiceArea:
    found = db.session.get(ServiceArea, service_id)
    if found is None:
        raise NotFound(NO_SUCH_SERVICE)
    return found


def _clean(name: object, missing: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise Invalid(Problem(missing, field="name"))
    if len(name) > NAME_MAX:
        raise Invalid(Problem(NAME_TOO_LONG, field="name"))
    if "\x00" in name:
        raise Invalid(Problem(NUL_REFUSED, field="name"))
    return name


def _directorate_name(name: object, *, besides: Directorate | None = None) -> str:
    name = _clean(name, DIRECTORATE_NAME_MISSING)
    query = select(Directorate.id).where(Directorate.retired_at.is_(None),
                                         func.lower(Directorate.name) == name.lower())
    if besides is not None:
        query = query.where(Directorate.id != besides.id)
    if db.session.execute(query.limit(1)).first() is not None:
        raise Invalid(Problem(DIRECTORATE_NAME_TAKEN, field="name"))
    return name


def _service_name(directorate: Directorate, name: object, *, besides: ServiceArea | None = None) -> str:
    name = _clean(name, SERVICE_NAME_MISSING)
    query = select(ServiceArea.id).where(ServiceArea.directorate_id == directorate.id,
                                         ServiceArea.retired_at.is_(None),
                                         func.lower(ServiceArea.name) == name.lower())
    if besides is not None:
        query = query.where(ServiceArea.id != besides.id)
    if db.session.execute(query.limit(1)).first() is not None:
        raise Invalid(Problem(SERVICE_NAME_TAKEN, field="name"))
    return name


def _taken(message: str) -> Callable[[], Invalid]:
    """The refusal when another admin's request took the name between our check and our write."""
    return lambda: Invalid(Problem(message, field="name"))


def _renamed(admin: User, row, new: str, change: str, taken: str, **ids):
    """The rename on the record with the name before and after; nothing at all when it is the same.
    The name is written first, so a clash refuses it before anything is recorded."""
    if new != row.name:
        before = row.name
        row.name = new
        with refusing_clashes(_taken(taken)):
            db.session.flush()
        trail.record(admin, change, **ids, **{"from": before}, to=new)
    return row


@service_step
def create_directorate(admin: User, name: object) -> Directorate:
    directorate = Directorate(name=_directorate_name(name))
    db.session.add(directorate)
    with refusing_clashes(_taken(DIRECTORATE_NAME_TAKEN)):
        db.session.flush()
    trail.record(admin, trail.DIRECTORATE_CREATED, directorate=directorate.id, name=directorate.name)
    return directorate


@service_step
def rename_directorate(admin: User, directorate: Directorate, name: object) -> Directorate:
    if directorate.retired:
        raise NotPossible(RETIRED_CANNOT_CHANGE)
    return _renamed(admin, directorate, _directorate_name(name, besides=directorate), trail.DIRECTORATE_RENAMED,
                    DIRECTORATE_NAME_TAKEN, directorate=directorate.id)


@service_step
def retire_directorate(admin: User, directorate: Directorate) -> Directorate:
    """Retired with its live services: none of them can be chosen for new work any more."""
    if directorate.retired:
        raise NotPossible(ALREADY_RETIRED)
    now = utcnow()
    directorate.retired_at = now
    for service in db.session.execute(select(ServiceArea).where(ServiceArea.directorate_id == directorate.id,
                                                                ServiceArea.retired_at.is_(None))).scalars():
        service.retired_at = now
    db.session.flush()
    trail.record(admin, trail.DIRECTORATE_RETIRED, directorate=directorate.id, name=directorate.name)
    return directorate


@service_step
def create_service(admin: User, directorate: Directorate, name: object) -> ServiceArea:
    if directorate.retired:
        raise NotPossible(RETIRED_CANNOT_CHANGE)
    service = ServiceArea(directorate_id=directorate.id, name=_service_name(directorate, name))
    db.session.add(service)
    with refusing_clashes(_taken(SERVICE_NAME_TAKEN)):
        db.session.flush()
    trail.record(admin, trail.SERVICE_CREATED, directorate=directorate.id, service=service.id, name=service.name)
    return service


@service_step
def rename_service(admin: User, service: ServiceArea, name: object) -> ServiceArea:
    if service.retired:
        raise NotPossible(ALREADY_RETIRED)
    return _renamed(admin, service, _service_name(service.directorate, name, besides=service),
                    trail.SERVICE_RENAMED, SERVICE_NAME_TAKEN, directorate=service.directorate_id, service=service.id)


@service_step
def retire_service(admin: User, service: ServiceArea) -> ServiceArea:
    if service.retired:
        raise NotPossible(ALREADY_RETIRED)
    service.retired_at = utcnow()
    db.session.flush()
    trail.record(admin, trail.SERVICE_RETIRED, directorate=service.directorate_id, service=service.id,
                 name=service.name)
    return service
