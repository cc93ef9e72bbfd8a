"""Welsh, no less favourably than English (issue 17): the catalogue has Welsh for every
string the code wraps, and every page the route list names, shown with Welsh chosen,
says nothing in the service's own English.

How a page is checked: it is rendered twice, in English and in Welsh, by the same
person with the same data. A piece of text that comes out the same in both is
either data (what people typed, names, references: every text value in the
database) or words the service forgot to translate. Whatever is left of such a
piece once the data and a short list of words that are the same in both languages
are taken out is a failure, named with its page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia.catalogue import extracted, read, untranslated
from eqia.extensions import db
from eqia.i18n import COOKIE
from eqia.models import Assessment, User
from eqia.services import (activities, challenge, cumulative_judgements, framework, golden_thread, password_links,
                           plans)
from eqia.services.challenge import PointInput
from eqia.services.workflow import perform_transition
from tests.conftest import PASSWORD
from tests.test_routes import EXPECTED


def test_every_wrapped_string_has_welsh_in_the_catalogue():
    catalogue = read("cy")
    wrapped = {str(m.id) for m in extracted() if m.id}
    missing_entries = sorted(wrapped - {str(m.id) for m in catalogue if m.id})
    assert not missing_entries, f"not in the catalogue (python -m eqia.catalogue update): {missing_entries[:20]}"
    without_welsh = [m for m in untranslated(catalogue) if m in wrapped]
    assert not without_welsh, f"{len(without_welsh)} strings without Welsh, e.g. {without_welsh[:20]}"


def test_the_welsh_keeps_every_placeholder_of_the_english():
    problems = []
    for message in read("cy"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", " ".join(ids)))
        for text in strings:
            if set(re.findall(r"%\(\w+\)[sd]", text)) != wanted:
                problems.append((ids[0], text))
    assert not problems, problems[:10]


# Words that are the same in English and Welsh on these pages, or names.
SAME_IN_BOTH = {"EqIA", "Data", "English", "Cymraeg", "Beta", "PDF", "CSV", "JSON", "API", "GOV.UK", "OK", "Word", "ID",
                "URL", "TOTP", "GMT", "BST", "SSO", "OpenID", "Connect", "v1", "v2"}
# Pages that are not pages of ours to read: downloads, redirects to a provider, files.
NOT_PAGES = re.compile(r"\.(csv|json|pdf|docx|xlsx)$|/(pdf|docx)$|^/api/|^/assets/|^/govuk-frontend/|^/static/|^/healthz|^/readyz"
                       r"|^/sign-in/sso|^/language/|^/sign-in/code$|^/sign-in/waiting$"
                       # the standard workflow's diagram is /workflow/ itself (its name redirects there)
                       r"|^/workflow/<name>$")


def _visible_text(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    # Text marked as another language than the page's is meant to be in it (the switch says
    # "Cymraeg" on an English page, and the other language's PDF is named in its own words).
    page_language = soup.html.get("lang") if soup.html else None
    for element in soup.find_all(attrs={"lang": True}):
        if element is not soup.html and element.get("lang") != page_language:
            element.decompose()
    pieces = [soup.title.get_text()] if soup.title else []
    pieces += list(soup.body.stripped_strings) if soup.body else []
    for element in soup.find_all(attrs={"aria-label": True}):
        pieces.append(element["aria-label"])
    for element in soup.find_all("input", attrs={"type": "submit", "value": True}):
        pieces.append(element["value"])
    return [" ".join(p.split()) for p in pieces if p.strip()]


def _data_values() -> list[str]:
    """Every text the database holds (what people typed, names, references), longest first."""
    values: set[str] = set()

    def take(value) -> None:
        if isinstance(value, str):
            for line in value.splitlines():
                if len(line.strip()) >= 2:
                    values.add(" ".join(line.split()))
        elif isinstance(value, dict):
            for key, item in value.items():
                take(key)
                take(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                take(item)

    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
        if columns:
            for row in db.session.execute(sa.select(*columns)):
                for value in row:
                    take(value)
    return sorted(values, key=len, reverse=True)


def _leftover(text: str, data: list[str]) -> str:
    # A file's path, as the configuration page shows where it came from (not a web address's path).
    text = re.sub(r"(?<![\w:/])/[\w./-]+", " ", text)
    for value in data:
        if value in text:  # as a whole word or phrase only: a code such as "no" is not the end of "piano"
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    words = [w for w in re.findall(r"[A-Za-zÀ-ÿŵŷŴŶ][\w'’.-]*", text)
             if w.strip(".-'’") not in SAME_IN_BOTH and not re.fullmatch(r"[A-Z]{2,}-?\d*|[A-Z][A-Z0-9_]+", w)]
    return " ".join(words)


class Walk:
    """The pages of the route list, each with who reads it and where."""

    def __init__(self, app, client, world) -> None:
        self.app, self.client, self.world = app, client, world
        # The configuration page shows settings' names and values as they are set: data too.
        self.config_words = [str(value) for value in app.config.values() if isinstance(value, (str, Path, bool))
                             and len(str(value)) >= 4] + [str(name) for name in app.config]

    def render(self, who: User | None, url: str, language: str):
        self.client.delete_cookie("session", domain="eqia.test")
        self.client.set_cookie(COOKIE, language, domain="eqia.test")
        if who is not None:
            self.client.post("/sign-in", data={"email": who.email, "password": PASSWORD})
        return self.client.get(url, follow_redirects=url == "/")

    def leaks(self, who: User | None, url: str) -> list[str]:
        english = self.render(who, url, "en")
        welsh = self.render(who, url, "cy")
        assert english.status_code == welsh.status_code == 200, (url, english.status_code, welsh.status_code)
        assert '<html lang="cy"' in welsh.get_data(as_text=True), url
        same = set(_visible_text(english.get_data(as_text=True))) & set(_visible_text(welsh.get_data(as_text=True)))
        data = _data_values() + self.config_words
        return sorted({piece for piece in same if _leftover(piece, data)})


def _world_for_every_page(world) -> dict:
    """One assessment for each kind of page: a draft, one being challenged with points returned to its author,
    one waiting for sign-off, a published one with its actions, and a review of it."""
    draft = world.make_assessment("full_assessment", answer="yes", title="Tŷ Draft")
    returned = world.make_assessment("challenge", answer="yes", title="Tŷ Returned")
    challenge.save_points(returned.id, world.lead, {"evidence": PointInput("to_correct", "Ychwanegu data")})
    perform_transition(returned.id, "return_to_author", world.lead, comment="Un bwlch")
    db.session.commit()
    in_challenge = world.make_assessment("challenge", answer="yes", title="Tŷ Challenge")
    waiting = world.make_assessment("awaiting_sign_off", answer="yes", title="Tŷ Waiting")
    published = world.make_assessment("published", answer="yes", title="Tŷ Published", parent_programme="Cyllideb")
    review = world.make_assessment("published", answer="yes", title="Tŷ Reviewed")
    world.take(review, "start_review")
    db.session.expire_all()
    following = db.session.get(Assessment, review.id).next_version
    world.write_screening(following, following.created_by, "yes")
    world.take(following, "start_full_assessment")
    db.session.expire_all()
    draft = db.session.get(Assessment, draft.id)
    published = db.session.get(Assessment, published.id)
    token = password_links.issue(world.author, "reset")
    db.session.commit()
    return {"draft": draft, "returned": returned, "challenge": in_challenge, "waiting": waiting,
            "published": published, "review": following, "token": token}


def _pages(world, made: dict) -> list[tuple[User | None, str]]:
    draft, published = made["draft"], made["published"]
    evidence = draft.evidence_items[0].id
    consultation = draft.consultations[0].id
    action = draft.actions[0].id
    published_action = published.actions[0].id
    group = draft.impacts[0].characteristic_key
    author, lead, decider, admin = world.author, world.lead, world.decider, world.admin
    pages = {
        "/": [None, author], "/sign-in": [None], "/forgotten-password": [None], "/forgotten-password/sent": [None],
        "/password-link/<token>": [None],
        "/register": [None], "/register/<reference>/v<int:version>": [None],
        "/my-work": [author, lead, decider], "/my-actions": [author], "/actions/overdue": [lead],
        "/assessments": [author], "/assessments/new": [author],
        "/workflow/": [author],
        "/account": [author], "/account/password": [author], "/account/sessions": [author],
        "/account/two-factor": [author], "/notifications": [author], "/account/notifications": [author],
        "/admin": [admin], "/admin/directorates": [admin], "/admin/directorates/<int:directorate_id>": [admin],
        "/admin/services/<int:service_id>": [admin], "/admin/users": [admin], "/admin/users/<int:user_id>": [admin],
        "/admin/users/invite": [admin], "/admin/notifications/failed": [admin], "/admin/configuration": [admin],
        "/programme": [lead], "/programme/coverage": [lead], "/programme/activities": [lead], "/programme/pipeline": [lead], "/programme/follow-up": [lead], "/programme/cumulative": [lead],
        "/programme/cumulative?programme=Cyllideb": [lead], "/programme/heat-map": [lead],
        "/programme/heat-map/assessments?group=age&impact=neutral": [lead],
        "/programme/activities/new": [lead], "/programme/activities/import": [lead],
        "/programme/activities/<int:activity_id>": [lead], "/programme/activities/<int:activity_id>/edit": [lead],
    }
    by_assessment = {
        "": [(author, draft), (author, made["returned"]), (lead, made["challenge"]), (decider, made["waiting"]),
             (author, published), (author, made["review"])],
        "details": [(author, draft)], "screening": [(author, draft)], "tasks": [(author, draft)],
        "check": [(author, draft)], "add-group": [(author, draft)], "evidence": [(author, draft)],
        "consultation": [(author, draft)], "action-plan": [(author, draft)], "intersectional": [(author, draft)],
        "outcome": [(author, draft)], f"groups/{group}": [(author, draft)],
        "evidence/add": [(author, draft)], f"evidence/{evidence}": [(author, draft)],
        f"evidence/{evidence}/remove": [(author, draft)], "consultation/add": [(author, draft)],
        f"consultation/{consultation}": [(author, draft)], f"consultation/{consultation}/remove": [(author, draft)],
        "action/add": [(author, draft)], f"action/{action}": [(author, draft)],
        f"action/{action}/remove": [(author, draft)], f"action/{published_action}/progress": [(author, published)],
        "actual-impacts": [(author, made["review"])], "monitoring": [(author, published)],
        "actions/submit_for_challenge": [(author, draft)], "actions/sign_off": [(decider, made["waiting"])],
        "actions/approve": [(lead, made["challenge"])],
        "review": [(lead, made["challenge"])], "respond": [(author, made["returned"])],
    }
    values = {"<reference>": published.reference, "<int:version>": str(published.version_number),
              "<token>": made["token"], "<name>": "standard",
              "<int:directorate_id>": str(world.directorate.id), "<int:service_id>": str(made["service"]),
              "<int:user_id>": str(world.author.id), "<int:activity_id>": str(made["activity"])}
    walk = []
    for rule, readers in pages.items():
        url = rule
        for key, value in values.items():
            url = url.replace(key, value)
        walk += [(who, url) for who in readers]
    for page, pairs in by_assessment.items():
        walk += [(who, f"/assessments/{a.id}" + (f"/{page}" if page else "")) for who, a in pairs]
    return walk


@pytest.mark.slow
@pytest.mark.one_database
def test_every_page_shows_no_english_of_ours_when_welsh_is_chosen(app, client, world):
    from eqia.admin import directorates

    service = directorates.create_service(world.admin, world.directorate, "Llyfrgelloedd")
    db.session.commit()
    made = _world_for_every_page(world)
    made["service"] = service.id
    # An activity of the register with the published assessment linked, and one past its date, never assessed.
    activity = activities.add(world.lead, {"name": "Trafnidiaeth ysgol", "kind": "policy", "relevance": "high",
                                           "directorate_id": world.directorate.id, "needs_assessment": "yes"})
    activities.link(world.lead, activity, made["published"].reference)
    activities.add(world.lead, {"name": "Taliadau parcio", "kind": "budget", "relevance": "medium",
                                "directorate_id": world.directorate.id, "needs_assessment": "yes",
                                "assess_by": date(2020, 1, 1)})
    db.session.commit()
    made["activity"] = activity.id
    # An action plan in draft with a row, and an adopted one whose row the author owns.
    draft_plan = plans.create(world.lead, {"title": "Cynllun gweithredu"})
    draft_row = plans.add_row(world.lead, draft_plan.id, {
        "theme_id": draft_plan.themes[0].id, "recommendation": "Cyhoeddi data", "response": "agreed",
        "due_on": date(2020, 1, 1), "owner": "Tîm AD"})
    adopted_plan = plans.create(world.lead, {"title": "Cynllun wedi'i fabwysiadu"})
    adopted_row = plans.add_row(world.lead, adopted_plan.id, {
        "theme_id": adopted_plan.themes[0].id, "recommendation": "Hyfforddi staff", "response": "not_agreed",
        "response_reason": "Dim cyllideb", "due_condition": "Ar ôl y Cyfrifiad", "owner_user_id": world.author.id})
    plans.take(world.lead, adopted_plan.id, "agree_plan")
    plans.take(world.decider, adopted_plan.id, "adopt_plan", attested=True, password=PASSWORD)
    db.session.commit()
    # A self-assessment beside last year's, one criterion rated with a link, and a gap to plan.
    last_year = framework.create(world.lead, {"framework": "eflg_2021", "period": "2025/26"})
    this_year = framework.create(world.lead, {"framework": "eflg_2021", "period": "2026/27"})
    framework.rate(world.lead, last_year.id, "engagement", {"rating": "excellent"})
    framework.rate(world.lead, this_year.id, "engagement", {"rating": "developing", "evidence": "Panel",
                                                            "links": f"PLAN-{draft_plan.id}"})
    # The golden thread: an objective of the Welsh-named service, with the adopted row and the published
    # assessment's action tagged to it (both pages then show their "Golden thread" section to the lead).
    objective = golden_thread.add(world.lead, {"service_area_id": service.id, "kind": "indicator", "code": "LLY-1",
                                               "title": "Ymweliadau"})
    golden_thread.tag_row(world.lead, adopted_row.id, objective.id)
    published_action = made["published"].actions[0]
    golden_thread.tag_action(world.lead, published_action.id, objective.id)
    db.session.commit()
    # The cumulative judgement, in draft, of the programme the published assessment names.
    judgement = cumulative_judgements.create(world.lead, "Cyllideb")
    db.session.commit()
    cumulative_judgements.save(world.lead, judgement.id, {"conclusion": "Bwrw ymlaen", "mitigations": "Monitro"})
    db.session.commit()
    walk = Walk(app, client, world)
    pages = _pages(world, made)
    pages += [(world.decider, "/programme/judgements"),
              (world.lead, f"/programme/judgements/{judgement.id}"), (world.decider, f"/programme/judgements/{judgement.id}"),
              (world.lead, f"/programme/judgements/{judgement.id}/edit"),
              (world.lead, f"/programme/judgements/{judgement.id}/actions/submit_judgement")]
    pages += [(world.lead, "/programme/objectives"), (world.lead, "/programme/objectives?retired=yes"),
              (world.lead, "/programme/objectives/new"), (world.lead, f"/programme/objectives/{objective.id}/edit"),
              (world.lead, f"/programme/objectives/services/{service.id}"),
              (world.lead, f"/programme/plans/{adopted_plan.id}/rows/{adopted_row.id}/progress"),
              (world.lead, f"/assessments/{made['published'].id}/action/{published_action.id}/progress")]
    pages += [(world.lead, "/programme/plans"), (world.decider, "/programme/plans"), (world.lead, "/programme/plans/new"),
              (world.lead, f"/programme/plans/{draft_plan.id}"), (world.lead, f"/programme/plans/{draft_plan.id}/rows/new"),
              (world.lead, f"/programme/plans/{draft_plan.id}/rows/{draft_row.id}"),
              (world.lead, f"/programme/plans/{draft_plan.id}/actions/agree_plan"),
              (world.lead, f"/programme/plans/{draft_plan.id}/import"),
              (world.author, f"/programme/plans/{adopted_plan.id}"),
              (world.author, f"/programme/plans/{adopted_plan.id}/rows/{adopted_row.id}/progress"),
              (world.lead, f"/programme/plans/{adopted_plan.id}/actions/close_plan"),
              (world.author, f"/programme/plans/{adopted_plan.id}/report"),
              (world.author, "/programme/framework"), (world.lead, "/programme/framework/new"),
              (world.author, f"/programme/framework/{this_year.id}"), (world.lead, f"/programme/framework/{this_year.id}"),
              (world.lead, f"/programme/framework/{this_year.id}/criteria/engagement"),
              (world.lead, f"/programme/framework/{this_year.id}/gaps")]
    listed = {rule for method, rule in EXPECTED if method == "GET" and not NOT_PAGES.search(rule)}
    adapter = app.url_map.bind("eqia.test")
    walked = {adapter.match(url.partition("?")[0], method="GET", return_rule=True)[0].rule for _, url in pages}
    assert listed <= walked, f"pages not walked: {sorted(listed - walked)}"
    found = {}
    for who, url in pages:
        leaks = walk.leaks(who, url)
        if leaks:
            found[f"{who.email if who else 'visitor'} {url}"] = leaks
    assert not found, "\n".join(f"{page}: {leaks}" for page, leaks in found.items())
