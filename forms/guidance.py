"""Plain-English guidance beside each question: a hint that says what good looks
like, and a short example shown behind a "What a good answer looks like"
details component. Written for service managers, not equality specialists.

The examples follow one imagined proposal throughout (reducing library opening
hours) so an author can see how the answers fit together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guidance:
    hint: str
    example: str = ""


GUIDANCE: dict[str, Guidance] = {
    "actual_impact": Guidance(
        "Compare what happened with what the version you are reviewing predicted for this group."),
    "actual_evidence": Guidance(
        "What shows the actual impact: monitoring data, complaints, feedback from the group, progress on the "
        "actions. Say where it comes from and when.",
        "Visits by people aged over 75 fell by 4% against 12% predicted (library counts, April to September); "
        "no complaints about the evening opening.",
    ),
    "next_step": Guidance("What the council will do now, having looked at what actually happened."),
    "next_step_reason": Guidance("Say why, from the actual impacts and the evidence above."),
    "directorate": Guidance("The directorate that owns the activity. Its equality lead will see the assessment."),
    "service": Guidance("The service within the directorate, if there is one, for example Libraries."),
    "activity_kind": Guidance(
        "What kind of decision this is. Budget proposals and decommissioning need as much care as new policies: "
        "they often affect the same people several times over."),
    "aims": Guidance(
        "Say what the activity is for and what will change for the people who use it. Avoid jargon: the "
        "decision-maker and the public will read this.",
        "Reduce opening hours at four branch libraries from 45 to 32 hours a week to save \u00a3180,000 a year, "
        "while keeping every library open at least one evening and on Saturdays.",
    ),
    "people_affected": Guidance(
        "Residents, service users, staff or partners, and roughly how many. Include people who may be affected "
        "indirectly, such as carers.",
        "About 21,000 active library members, 38 library staff, and groups that meet in the libraries, including "
        "two parent-and-baby groups and a job club.",
    ),
    "screening_reason": Guidance(
        "Say what you know about this group and the activity. \u201cNo\u201d needs a reason too: what tells you "
        "the group will not be affected differently?",
        "Yes: older residents make up 41% of daytime visits (visitor survey, 2025), so fewer daytime hours "
        "affect them more than other groups.",
    ),
    "advances": Guidance(
        "Could the activity help people in this group to take part, or meet needs that are different from "
        "other people\u2019s? Answer even if the main aim is something else.",
    ),
    "relevance": Guidance(
        "High if the activity is about a service many people in a protected group rely on, or changes access to "
        "it; low if it is internal and affects nobody differently.",
    ),
    "proposal": Guidance(
        "A screen-out is never the author\u2019s decision alone: an equality lead must agree it. If any answer "
        "is \u201cDon\u2019t know\u201d, a full assessment is needed to find out.",
    ),
    "conclusion": Guidance(
        "Summarise what the screening found and why it leads to your proposed conclusion.",
        "Older and disabled residents use daytime hours most, and the change could reduce their access. A full "
        "assessment is needed to look at the evidence and how to reduce the impact.",
    ),
    "evidence_source": Guidance(
        "Name the source so a reader could find it again: the dataset, report, survey or complaints log.",
        "Library visitor survey, 2025 (1,240 responses)",
    ),
    "evidence_summary": Guidance(
        "Say what the evidence shows about the groups affected, with numbers where you have them. Say what it "
        "does not tell you, too.",
        "41% of daytime visits are by people over 65; 18% of visitors say they have a disability. The survey did "
        "not ask about religion or sexual orientation.",
    ),
    "evidence_kind": Guidance(
        "Data and monitoring tell you who uses the service; research, complaints and consultation tell you how "
        "it affects them. The strongest assessments use more than one kind."),
    "evidence_link": Guidance("A web address where the evidence can be read, if there is one."),
    "consultation_who": Guidance(
        "Name the groups and how many people took part. Engagement with the people most affected counts most.",
        "Library users (412 survey responses), the Older People\u2019s Forum, the Disability Access Group and "
        "library staff.",
    ),
    "consultation_said": Guidance(
        "The main themes, including the ones you disagree with. Say which groups raised them.",
        "Older users said mornings matter most because they avoid travelling after dark. Parents asked to keep "
        "the Saturday morning rhyme-time sessions.",
    ),
    "consultation_changed": Guidance(
        "What you changed because of what people said, or why you did not.",
        "We moved the reduced hours from mornings to late afternoons, and kept Saturday mornings at every branch.",
    ),
    "no_consultation_reason": Guidance(
        "If there was no consultation or engagement, say why, and how you know the views of the people affected "
        "without it.",
    ),
    "impact": Guidance(
        "Judge the likely effect on this group compared with other people. \u201cNot yet known\u201d is honest "
        "when the evidence is missing: plan an action to find out.",
    ),
    "duty_aims": Guidance(
        "Tick each of the duty's aims this activity could affect for this group.",
    ),
    "severity": Guidance(
        "How serious the negative impact is for the people affected: how many, how badly, and for how long.",
    ),
    "evidence_narrative": Guidance(
        "Explain how the evidence leads to your judgement. A judgement of \u201cneutral\u201d needs reasons as much "
        "as a negative one.",
        "Negative. 41% of daytime visits are by over-65s, and 63% of them say they would not come in the evening. "
        "Fewer morning hours would reduce their access more than other groups\u2019.",
    ),
    "cited_evidence": Guidance("Choose the evidence items this judgement relies on."),
    "no_evidence_reason": Guidance(
        "If no evidence exists about this group, say why, and plan an action to gather it.",
        "The visitor survey does not ask about sexual orientation, and there is no other local data.",
    ),
    "mitigation": Guidance(
        "What will reduce or remove the negative impact, who will do it, and by when.",
        "Keep morning opening at the two branches with the most older visitors, and extend the home library "
        "service to anyone over 75 who asks.",
    ),
    "intersectional": Guidance(
        "Think about people in more than one group (for example older disabled people), and about other changes "
        "affecting the same people at the same time.",
        "Older disabled residents in the north of the borough also face the bus route changes in EQIA-2026-0031. "
        "Together these make it harder to reach any library in the morning.",
    ),
    "outcome_justification": Guidance(
        "Continuing despite an adverse impact needs a legitimate aim, a reason why the means are proportionate, "
        "and why there is no less harmful way to achieve it.",
        "The saving is needed to set a legal budget (legitimate aim). Keeping two branches open in the morning and "
        "extending the home library service limit the impact; the alternatives considered would close a branch.",
    ),
    "action_description": Guidance(
        "One clear thing to do: to reduce a negative impact, gather missing evidence, or monitor the actual "
        "impact after the decision.",
        "Add questions about sexual orientation and religion to the next visitor survey.",
    ),
    "action_measure": Guidance(
        "How you will know the action has worked, ideally with a number.",
        "Survey results for every protected characteristic, with at least 1,000 responses.",
    ),
    "action_status": Guidance("Keep this up to date: the plan is tracked after the decision."),
    "screening_review_date": Guidance(
        "Only if you propose that no full assessment is needed. Choose a date within 3 years: by then the "
        "activity, the people using it or the evidence have usually changed, and the screen-out must be looked "
        "at again. You can start a review sooner.",
    ),
    "review_date": Guidance(
        "When you will compare the actual impact with what this assessment predicted. The duty continues after "
        "the decision.",
    ),
}


def hint(key: str) -> str:
    return GUIDANCE[key].hint
