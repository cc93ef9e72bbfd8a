"""A demo council: three directorates, a user for each role, and EqIAs in
several states, all made through the same services a user's clicks go
through, so the demo's audit trail is a real one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Directorate, User, utcnow
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD, ROLE_LABELS
from eqia.services import assessments as content
from eqia.services.assessments import ScreeningInput
from eqia.services.workflow import perform_transition
from eqia.workflow.rules import LOCAL_ZONE

DIRECTORATES = (
    "Adult Social Care and Health",
    "Children, Young People and Education",
    "Growth, Environment and Transport",
)

# Demo only: these passwords are printed on purpose. Never load the demo into a live service.
USERS = (
    ("amina.author@demo.example", "Amina Shah", (AUTHOR,), 0, "demo-author-pass"),
    ("tom.author@demo.example", "Tom Price", (AUTHOR,), 2, "demo-author-pass"),
    ("ellen.lead@demo.example", "Ellen Okafor", (EQUALITY_LEAD,), None, "demo-lead-pass"),
    ("gareth.lead@demo.example", "Gareth Evans", (EQUALITY_LEAD,), None, "demo-lead-pass"),
    ("dina.decision@demo.example", "Dina Kowalski", (DECISION_MAKER,), None, "demo-decision-pass"),
    ("ade.admin@demo.example", "Ade Bello", (ADMIN,), None, "demo-admin-pass"),
)


def _screening(assessment, answer: str, reason: str, conclusion: str, relevance: str = "high") -> ScreeningInput:
    return ScreeningInput(
        answers={row.characteristic_key: (answer, f"{reason} ({row.characteristic_label.lower()})")
                 for row in assessment.screening_answers},
        relevance=relevance,
        conclusion=conclusion,
    )


def load_demo() -> tuple[bool, list[tuple[str, str, str]]]:
    sign_ins = [(email, password, ", ".join(ROLE_LABELS[r] for r in roles))
                for email, _, roles, _, password in USERS]
    if db.session.execute(select(User).where(User.email == USERS[0][0])).scalar_one_or_none() is not None:
        return False, sign_ins

    directorates = [Directorate(name=name) for name in DIRECTORATES]
    db.session.add_all(directorates)
    users = {}
    for email, name, roles, directorate, password in USERS:
        user = User(email=email, name=name, directorate=directorates[directorate] if directorate is not None else None)
        user.set_roles(roles)
        user.set_password(password)
        db.session.add(user)
        users[email] = user
    db.session.commit()

    amina, tom = users["amina.author@demo.example"], users["tom.author@demo.example"]
    ellen, gareth = users["ellen.lead@demo.example"], users["gareth.lead@demo.example"]
    dina = users["dina.decision@demo.example"]
    today = utcnow().astimezone(LOCAL_ZONE).date()

    def start(author, directorate, title, **details):
        base = {
            "title": title, "directorate_id": directorate.id, "lead_officer": author.name,
            "activity_kind": "change", "aims": f"To deliver {title.lower()} fairly and within budget.",
            "decision_maker": "Cabinet Member for the service", "decision_forum": "Cabinet",
            "due_regard_started_on": today - timedelta(days=30), "planned_decision_date": today + timedelta(days=60),
        }
        base.update(details)
        return content.create_assessment(author, base)

    def screen(assessment, author, answer, reason, conclusion):
        content.update_screening(assessment.id, author, _screening(assessment, answer, reason, conclusion),
                                 assessment.lock_version)

    # 1. Still being screened.
    start(amina, directorates[0], "Day opportunities for adults with learning disabilities",
          activity_kind="review")

    # 2. In full assessment.
    a = start(amina, directorates[0], "Community meals service recommissioning", activity_kind="procurement")
    screen(a, amina, "yes", "Most users are older or disabled", "A full assessment is needed.")
    perform_transition(a.id, "start_full_assessment", amina)

    # 3. Waiting for challenge review.
    a = start(tom, directorates[2], "Household waste recycling centre opening hours")
    screen(a, tom, "yes", "Shorter hours may affect people who cannot travel at peak times",
           "Full assessment needed.")
    perform_transition(a.id, "start_full_assessment", tom)
    perform_transition(a.id, "submit_for_challenge", tom, comment="Ready for challenge.")

    # 4. Awaiting sign-off, after one round of challenge.
    a = start(amina, directorates[0], "Adult social care charging policy", activity_kind="budget")
    screen(a, amina, "yes", "Charges fall on people who use care", "Full assessment needed.")
    perform_transition(a.id, "start_full_assessment", amina)
    perform_transition(a.id, "submit_for_challenge", amina)
    perform_transition(a.id, "return_to_author", ellen,
                       comment="Add evidence on the disability benefits people receive.")
    perform_transition(a.id, "submit_for_challenge", amina, comment="Evidence added.")
    perform_transition(a.id, "approve", gareth, comment="The evidence now supports the conclusions.")

    # 5. Signed off and published.
    a = start(tom, directorates[2], "Street lighting part-night switch-off", activity_kind="budget")
    screen(a, tom, "yes", "Darker streets affect feelings of safety", "Full assessment needed.")
    perform_transition(a.id, "start_full_assessment", tom)
    perform_transition(a.id, "submit_for_challenge", tom)
    perform_transition(a.id, "approve", ellen)
    perform_transition(a.id, "sign_off", dina, comment="I have read the assessment and paid due regard.")
    perform_transition(a.id, "publish", ellen)

    # 6. Screened out, agreed by an equality lead.
    a = start(tom, directorates[2], "Replacement of office printers", activity_kind="procurement",
              decision_maker="Head of Facilities", decision_forum="Officer decision")
    screen(a, tom, "no", "Internal equipment with the same accessibility features", "No full assessment needed.")
    perform_transition(a.id, "propose_screen_out", tom, comment="Like-for-like replacement.")
    perform_transition(a.id, "agree_screen_out", ellen, comment="Agreed: no differential effect.")
    return True, sign_ins
