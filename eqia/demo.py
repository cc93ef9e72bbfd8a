"""A demo council: three directorates, a user for each role, and EqIAs in
several states, all made through the same services a user's clicks go
through, so the demo's audit trail is a real one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import ActionPlan, Assessment, Directorate, User, utcnow
from eqia.loaded_definitions import characteristics
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD, ROLE_LABELS
from eqia.services import assessments as content
from eqia.services import content as full
from eqia.services import activities, challenge, figure_refresh, framework, plans
from eqia.services import cumulative_judgements as judgements
from eqia.services.action_progress import ProgressInput, record_update
from eqia.services.assessments import ScreeningInput
from eqia.services.workflow import perform_transition
from eqia.local_time import LOCAL_ZONE
from eqia.assessments.sections import aims_for

# The budget round two of the proposals belong to: their side by side, and the lead's judgement on it.
BUDGET_ROUND = "Budget savings 2027-28"

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


def screening_input(assessment, answer: str, reason: str, conclusion: str, relevance: str = "high") -> ScreeningInput:
    """The same answer for every group, with reasons that name the group (the demo's and the seed's screenings)."""
    return ScreeningInput(
        answers={row.characteristic_key: (answer, f"{reason} ({row.characteristic_label.lower()})", "no")
                 for row in assessment.screening_answers},
        relevance=relevance,
        conclusion=conclusion,
        proposal="full" if answer == "yes" else "screen_out",
        # A screen-out says when it is to be reviewed: a year on.
        review_date=("keep" if answer == "yes"
                     else utcnow().astimezone(LOCAL_ZONE).date() + timedelta(days=365)),
    )


def current_lock(assessment_id: int) -> int:
    """The lock version to save over: what a page would have read just before."""
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).lock_version


def write_full_assessment(assessment_id: int, author: User, story: dict, *, finish: bool = True) -> None:
    """Evidence, consultation, every group's analysis, the outcome and the plan,
    through the services. `story` holds what is particular to the activity; with
    `finish` False the sections are left part-written, as a busy author would."""
    today = utcnow().astimezone(LOCAL_ZONE).date()
    for kind, source, summary in story["evidence"]:
        full.save_item(full.EVIDENCE, assessment_id, author, current_lock(assessment_id), None, {
            "kind": kind, "source": source, "dated": today - timedelta(days=120), "summary": summary, "link": ""})
    if not finish:
        return
    full.save_section_page("evidence", assessment_id, author, current_lock(assessment_id), True)
    who, said, changed = story["consultation"]
    full.save_item(full.CONSULTATION, assessment_id, author, current_lock(assessment_id), None, {
        "who": who, "held_from": today - timedelta(days=50), "held_to": today - timedelta(days=22),
        "method": "Online survey and two drop-in sessions", "what_they_said": said, "how_it_changed": changed})
    full.save_consultation_page(assessment_id, author, current_lock(assessment_id), "", True)
    assessment = db.session.get(Assessment, assessment_id)
    cited = frozenset({assessment.evidence_items[0].id})
    for row in assessment.impacts:
        key = row.characteristic_key
        # The aims the profile applies to the group (England: "a", "b" and "c", marriage and civil
        # partnership "a"; Wales's socio-economic and Welsh language groups their own duties').
        applying = aims_for(key, characteristics())
        if key in story["negative"]:
            data = full.ImpactInput(
                impact="negative", severity="medium", aims=frozenset(applying[:2]),
                evidence_narrative=story["negative"][key][0], cited_evidence_ids=cited, no_evidence_reason="",
                mitigation=story["negative"][key][1])
        elif key in story.get("unknown", ()):
            data = full.ImpactInput(
                impact="not_known", severity=None, aims=frozenset(applying[:1]),
                evidence_narrative="We hold no local data about this group and this service.",
                cited_evidence_ids=frozenset(), no_evidence_reason="The service has never recorded it.",
                mitigation="")
            full.add_gathering_action(assessment_id, author, current_lock(assessment_id), key)
        else:
            data = full.ImpactInput(
                impact="neutral", severity=None, aims=frozenset(applying[:1]),
                evidence_narrative=f"The evidence shows no difference in use or outcome for {row.characteristic_label.lower()}.",
                cited_evidence_ids=cited, no_evidence_reason="", mitigation="")
        full.update_impact(assessment_id, author, current_lock(assessment_id), key, data, True)
    full.update_intersectional(assessment_id, author, current_lock(assessment_id), story["intersectional"], True)
    full.update_outcome(assessment_id, author, current_lock(assessment_id), ["adjust"], "", True)
    assessment = db.session.get(Assessment, assessment_id)
    for action in list(assessment.actions):  # give the evidence-gathering actions their details
        full.save_item(full.ACTIONS, assessment_id, author, current_lock(assessment_id), action.id, {
            "owner": author.name, "due_date": today + timedelta(days=120),
            "success_measure": "Data collected and this assessment updated", "status": "in_progress"})
    for description, measure in story["actions"]:
        full.save_item(full.ACTIONS, assessment_id, author, current_lock(assessment_id), None, {
            "description": description, "owner": author.name, "due_date": today + timedelta(days=150),
            "success_measure": measure, "status": "not_started"})
    full.save_action_plan_page(assessment_id, author, current_lock(assessment_id), today + timedelta(days=400), True)


STORIES = {
    "meals": {
        "evidence": [("data", "Community meals client records, 2025",
                      "1,140 clients: 78% over 75, 64% with a disability, 71% women."),
                     ("complaints", "Complaints log 2024-25", "22 complaints, mostly late deliveries.")],
    },
    "waste": {
        "evidence": [("data", "Recycling centre visitor counts, 2025", "Weekday mornings are busiest for over-65s."),
                     ("research", "Resident survey 2024", "People without cars rely on the weekend bus to the site.")],
        "consultation": ("Residents (612 responses) and the Older People's Forum",
                         "Keep early weekend hours; weekday evenings matter to shift workers.",
                         "Kept weekend mornings; the weekday closure moved to Tuesday."),
        "negative": {"age": ("Over-65s make up 40% of weekday morning visits.",
                             "Keep weekday morning opening at the two busiest sites.")},
        "unknown": ("religion_belief",),
        "intersectional": "Older residents without cars also face the bus timetable changes in the same programme.",
        "actions": [("Monitor visits by age for six months after the change", "Quarterly visitor report by age")],
    },
    "charging": {
        "evidence": [("data", "Financial assessments 2025", "3,400 people assessed; 58% receive disability benefits."),
                     ("research", "National charging review, 2024", "Disability-related expenditure often under-counted.")],
        "consultation": ("People who use care, carers and the Disability Access Group",
                         "Disability-related expenses must be counted in full.",
                         "The expenses allowance was raised and made easier to claim."),
        "negative": {"disability": ("Most people charged are disabled and on low incomes.",
                                    "A higher allowance for disability-related expenditure, and a hardship fund."),
                     "socio_economic": ("Charges fall on people with little income.",
                                        "Minimum income guarantee kept above the national floor.")},
        "intersectional": "Disabled carers face both this change and the carers' respite changes.",
        "actions": [("Review the first 200 new charges", "No one charged above what they can afford")],
    },
    "lighting": {
        "evidence": [("data", "Police recorded crime by hour, 2025", "No rise in night-time crime in pilot areas."),
                     ("consultation", "Community safety survey", "Women report feeling less safe on unlit streets.")],
        "consultation": ("Residents, the Women's Safety Network and the police",
                         "Keep lights on near transport hubs and late-night venues.",
                         "Lights stay on within 200 metres of stations and bus stops."),
        "negative": {"sex": ("Women report feeling less safe walking on unlit streets.",
                             "Lights stay on near stations, bus stops and along main walking routes.")},
        "intersectional": "Older women and disabled people walking at night are most affected.",
        "actions": [("Publish night-time safety data every quarter", "Data published on time for a year")],
    },
}


DEMO_PASSWORDS = {email: password for email, _, _, _, password in USERS}


DEMO_ADMIN = "ade.admin@demo.example"


def demo_admin_second_factor() -> str | None:
    """The demo administrator's TOTP secret, set up the first time (administrators need a second
    factor: eqia/services/second_factor.py). Printed on purpose, like the passwords: demo only."""
    import pyotp

    admin = db.session.execute(select(User).where(User.email == DEMO_ADMIN)).scalar_one_or_none()
    if admin is None:
        return None
    if admin.totp_secret is None:
        admin.totp_secret, admin.totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.flush()
    return admin.totp_secret


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
    db.session.flush()

    amina, tom = users["amina.author@demo.example"], users["tom.author@demo.example"]
    ellen, gareth = users["ellen.lead@demo.example"], users["gareth.lead@demo.example"]
    dina = users["dina.decision@demo.example"]
    today = utcnow().astimezone(LOCAL_ZONE).date()

    def start(author, directorate, title, **details):
        base = {
            "title": title, "directorate_id": directorate.id, "lead_officer": author.name,
            "activity_kind": "change", "aims": f"To deliver {title.lower()} fairly and within budget.",
            "people_affected": "Residents who use the service.",
            "decision_maker": "Cabinet Member for the service", "decision_forum": "Cabinet",
            "due_regard_started_on": today - timedelta(days=30), "planned_decision_date": today + timedelta(days=60),
        }
        base.update(details)
        return content.create_assessment(author, base)

    def screen(assessment, author, answer, reason, conclusion):
        content.update_register_details(assessment.id, author, {}, current_lock(assessment.id), complete=True)
        content.update_screening(assessment.id, author, screening_input(assessment, answer, reason, conclusion),
                                 current_lock(assessment.id), complete=True)

    # 1. Still being screened.
    start(amina, directorates[0], "Day opportunities for adults with learning disabilities",
          activity_kind="review")

    # 2. In full assessment, part-written.
    a = start(amina, directorates[0], "Community meals service recommissioning", activity_kind="procurement",
              people_affected="About 1,100 people receiving meals at home, and their carers.")
    screen(a, amina, "yes", "Most users are older or disabled", "A full assessment is needed.")
    perform_transition(a.id, "start_full_assessment", amina)
    write_full_assessment(a.id, amina, STORIES["meals"], finish=False)

    # 3. Waiting for challenge review.
    a = start(tom, directorates[2], "Household waste recycling centre opening hours",
              people_affected="Residents who use the five recycling centres, about 9,000 visits a week.",
              parent_programme=BUDGET_ROUND)
    screen(a, tom, "yes", "Shorter hours may affect people who cannot travel at peak times",
           "Full assessment needed.")
    perform_transition(a.id, "start_full_assessment", tom)
    write_full_assessment(a.id, tom, STORIES["waste"])
    perform_transition(a.id, "submit_for_challenge", tom, comment="Ready for challenge.")

    # 4. Awaiting sign-off, after one round of challenge.
    a = start(amina, directorates[0], "Adult social care charging policy", activity_kind="budget",
              people_affected="About 3,400 people who pay towards their care, and their families.")
    screen(a, amina, "yes", "Charges fall on people who use care", "Full assessment needed.")
    perform_transition(a.id, "start_full_assessment", amina)
    write_full_assessment(a.id, amina, STORIES["charging"])
    perform_transition(a.id, "submit_for_challenge", amina)
    challenge.save_points(a.id, ellen, {
        "evidence": challenge.PointInput("to_correct", "Add evidence on the disability benefits people receive: "
                                                      "the charge is assessed against them."),
        "characteristic:disability": challenge.PointInput(
            "could_be_improved", "Say how the higher disability-related expenditure allowance was worked out."),
        "consultation": challenge.PointInput("acceptable", "A good range of voices, including carers."),
    })
    perform_transition(a.id, "return_to_author", ellen, comment="Nearly there: the evidence needs one more source.")
    returned = db.session.get(Assessment, a.id)
    answers = {}
    for point in challenge.unanswered(returned):
        if point.section_key == "characteristic:disability":
            answers[point.id] = challenge.AnswerInput(
                "not_accepted", "The allowance follows the national guidance figures; it is explained in the "
                                "charging policy itself, which is linked as evidence.")
        else:
            answers[point.id] = challenge.AnswerInput(
                "accepted", "Added the benefits take-up data for people who pay towards their care.")
    full.save_item(full.EVIDENCE, a.id, amina, current_lock(a.id), None, {
        "kind": "data", "source": "Benefits take-up among people who pay towards care, 2026",
        "dated": today - timedelta(days=20), "summary": "Most pay from Attendance Allowance or PIP.", "link": ""})
    full.save_section_page("evidence", a.id, amina, current_lock(a.id), True)
    challenge.save_answers(a.id, amina, current_lock(a.id), answers)
    perform_transition(a.id, "submit_for_challenge", amina, comment="Evidence added.")
    perform_transition(a.id, "approve", gareth, comment="The evidence now supports the conclusions.")

    # 5. Signed off and published.
    a = start(tom, directorates[2], "Street lighting part-night switch-off", activity_kind="budget",
              people_affected="Everyone who walks or drives at night, in every ward.",
              parent_programme=BUDGET_ROUND)
    screen(a, tom, "yes", "Darker streets affect feelings of safety", "Full assessment needed.")
    perform_transition(a.id, "start_full_assessment", tom)
    write_full_assessment(a.id, tom, STORIES["lighting"])
    # The continuing duty, so "My actions", the lead's overdue actions and the monitoring report have something
    # to show. The demo does not back-date anything (its audit trail is made now), so the overdue action is one
    # already under way, and late, when the plan was signed: the route walks promised during consultation.
    # Its owner is another author, chosen by account with no name typed, so the plan shows her account's name.
    full.save_item(full.ACTIONS, a.id, tom, current_lock(a.id), None, {
        "description": "Walk the main routes to stations with the Women's Safety Network before any light goes off",
        "owner": "", "owner_user_id": amina.id, "due_date": today - timedelta(days=12),
        "success_measure": "Every route walked and each unsafe spot added to the stay-lit list",
        "status": "in_progress"})
    full.save_action_plan_page(a.id, tom, current_lock(a.id), today + timedelta(days=400), True)
    perform_transition(a.id, "submit_for_challenge", tom)
    perform_transition(a.id, "approve", ellen)
    perform_transition(a.id, "sign_off", dina, comment="Read before Cabinet.", attested=True,
                       password=DEMO_PASSWORDS[dina.email])
    perform_transition(a.id, "publish", ellen)
    signed = db.session.get(Assessment, a.id)
    walks, data = signed.actions[-1], signed.actions[0]
    record_update(a.id, walks.id, amina, ProgressInput(
        status="in_progress", note="Three of the five routes walked; the other two are booked with the Network.",
        evidence="", dated=today - timedelta(days=2)))
    record_update(a.id, data.id, tom, ProgressInput(
        status="in_progress", note="The first quarter's figures are with the police for checking.", evidence="",
        dated=today))

    # 6. Screened out, agreed by an equality lead.
    a = start(tom, directorates[2], "Replacement of office printers", activity_kind="procurement",
              decision_maker="Head of Facilities", decision_forum="Officer decision",
              people_affected="Staff in the three main offices.")
    screen(a, tom, "no", "Internal equipment with the same accessibility features", "No full assessment needed.")
    perform_transition(a.id, "propose_screen_out", tom, comment="Like-for-like replacement.")
    perform_transition(a.id, "agree_screen_out", ellen, comment="Agreed: no differential effect.")

    # 7. The council's activity register, kept by an equality lead: the assessments above linked to their
    # activities, so the coverage shows one of each kind (current, under way, never assessed, one of them late).
    references = {row.title: row.reference for row in db.session.execute(select(Assessment)).scalars()}
    register = [
        # directorate, name, kind, relevance, needs an EqIA, assess by (days from today), owner, assessed by
        (0, "Day opportunities for adults with learning disabilities", "function", "high", True, 120,
         "Head of Day Services", "Day opportunities for adults with learning disabilities"),
        (0, "Community meals service", "procurement", "high", True, 60, "Commissioning team",
         "Community meals service recommissioning"),
        (0, "Adult social care charging policy", "policy", "high", True, 30, "Head of Finance, Adults",
         "Adult social care charging policy"),
        (0, "Carers' breaks grants", "function", "medium", True, -14, "Carers' Support Team", None),
        (1, "Home to school transport policy", "policy", "high", True, 200, "Transport Eligibility Team", None),
        (1, "School admissions arrangements 2028", "policy", "high", True, 150, "Admissions Manager", None),
        (2, "Household waste recycling centres", "function", "high", True, 45, "Waste Services",
         "Household waste recycling centre opening hours"),
        (2, "Street lighting", "budget", "high", True, 0, "Highways Lighting Team",
         "Street lighting part-night switch-off"),
        (2, "Office printing contract", "procurement", "low", True, 0, "Facilities", "Replacement of office printers"),
        (2, "Grass verge cutting schedule", "function", "none", False, None, "Highways Maintenance", None),
    ]
    for directorate, name, kind, relevance, needed, days, owner, assessed_by in register:
        activity = activities.add(ellen, {
            "name": name, "kind": kind, "directorate_id": directorates[directorate].id, "owner": owner,
            "relevance": relevance, "needs_assessment": needed,
            "assess_by": today + timedelta(days=days) if days else None})
        if assessed_by:
            activities.link(ellen, activity, references[assessed_by])
    _demo_plans(ellen, dina, amina, today)
    _demo_self_assessments(ellen, references)
    _demo_judgement(ellen)
    figure_refresh.work_out()  # the lead's dashboards show the demo at once, before a worker has run
    return True, sign_ins


def _demo_judgement(lead: User) -> None:
    """The budget round's cumulative judgement, written beside its two proposals and sent for challenge:
    it waits for the other equality lead."""
    judgement = judgements.create(lead, BUDGET_ROUND)
    judgements.save(lead, judgement.id, {
        "groups": {"age": "Shorter recycling centre hours fall mostly on older residents without a car; the "
                          "lighting proposal finds no effect on them, so the round adds nothing to it.",
                   "sex": "Women walking home after dark are most affected by part-night lighting; no other "
                          "proposal in the round adds to it."},
        "conclusion": "The round can go ahead if the mitigations below are kept: no group bears a severe "
                      "combined effect once they are.",
        "mitigations": "Keep one recycling centre open late twice a week; keep full-night lighting on routes to "
                       "stations and care homes; review both after six months."})
    judgements.take(lead, judgement.id, "submit_judgement")


def _demo_plans(lead: User, decider: User, author: User, today) -> None:
    """An adopted action plan with progress on some rows (one late, one an author's own), and a new draft."""
    plan = plans.create(lead, {"title": "Equality Peer Challenge action plan 2026 to 2028",
                               "source": "The peer team's recommendations of September 2026, with the council's "
                                         "management response."})
    theme = {t.module: t.id for t in plan.themes}
    rows = [
        ("leadership", "L1", "Name a senior lead officer for equality and inclusion", "agreed",
         "Agreed. The Assistant Chief Executive leads, reporting to the Corporate Management Team.",
         "Brief senior managers and Cabinet", today - timedelta(days=30), "", "Assistant Chief Executive", None),
        ("leadership", "L2", "Set up a member champion for equality", "agreed_in_part",
         "Agreed in part: Cabinet will decide after the May elections whether a champion or a panel works better.",
         "Raise with the Leader", None, "After the May elections", "Chief Executive", None),
        ("communities", "C1", "Build a clearer picture of the borough's smaller communities from the new Census data",
         "agreed", "Agreed.", "Commission the analysis and share it with partners", today + timedelta(days=120), "",
         "Insight team", None),
        ("services", "S1", "Check equality of access whenever a service is redesigned", "agreed",
         "Agreed: every redesign starts with an equality impact assessment.", "Train service managers",
         today + timedelta(days=60), "", author.name, author.id),
        ("workforce", "W1", "Publish workforce data by protected characteristic every year", "not_agreed",
         "Not agreed as a separate report: the data goes into the annual workforce report instead.",
         "Add the tables to the workforce report", today + timedelta(days=200), "", "Head of HR", None),
    ]
    for module, number, recommendation, response, words, next_steps, due_on, condition, owner, account in rows:
        plans.add_row(lead, plan.id, {"theme_id": theme[module], "number": number, "recommendation": recommendation,
                                      "response": response, "response_reason": words, "next_steps": next_steps,
                                      "due_on": due_on, "due_condition": condition, "owner": owner,
                                      "owner_user_id": account})
    plans.take(lead, plan.id, "agree_plan", comment="Each service has agreed its rows.")
    plans.take(decider, plan.id, "adopt_plan", attested=True, comment="Adopted by Cabinet.",
               password=DEMO_PASSWORDS[decider.email])
    first, *_, own, _last = plans.get(lead, plan.id).rows
    plans.record_progress(lead, plan.id, first.id, ProgressInput("in_progress", "Cabinet briefed; the senior "
                                                                 "managers' briefing is still to come.", "",
                                                                 today - timedelta(days=7)))
    plans.record_progress(author, plan.id, own.id, ProgressInput("in_progress", "Two of five teams trained.", "",
                                                                 today))
    draft = plans.create(lead, {"title": "Equality Framework self-assessment action plan 2027"})
    plans.add_row(lead, draft.id, {"theme_id": draft.themes[3].id, "recommendation":
                                   "Collect disability data in the staff survey", "response": "",
                                   "next_steps": "", "owner": ""})


def _demo_self_assessments(lead: User, references: dict) -> None:
    """Last year's and this year's self-assessments against the Equality Framework for Local Government,
    some criteria rated (one better, one worse, some gaps), with evidence linked to an EqIA and a plan."""
    last = framework.create(lead, {"framework": "eflg_2021", "period": "2025/26"})
    for key, rating in (("community_data", "developing"), ("engagement", "achieving"), ("leadership", "developing"),
                        ("assessing_impact", "developing"), ("workforce_data", "achieving")):
        framework.rate(lead, last.id, key, {"rating": rating})
    this = framework.create(lead, {"framework": "eflg_2021", "period": "2026/27"})
    adopted = db.session.scalar(select(ActionPlan.id).order_by(ActionPlan.id).limit(1))
    reference = next(iter(references.values()))
    rated = [
        ("community_data", "achieving", "Census 2021 profiles by ward published and shared with the health board."),
        ("engagement", "developing", "The residents' panel met once this year; the disabled people's forum lapsed."),
        ("leadership", "achieving", "A senior lead officer is named and Cabinet is briefed each quarter.",
         f"PLAN-{adopted}"),
        ("assessing_impact", "achieving", "Every Cabinet report now carries a signed equality impact assessment.",
         reference),
        ("service_design", "excellent", "Libraries and leisure co-designed their access plans with users."),
        ("workforce_data", "developing", "The disability pay gap is not yet published."),
    ]
    for key, rating, evidence, *links in rated:
        framework.rate(lead, this.id, key, {"rating": rating, "evidence": evidence, "links": " ".join(links)})
