"""Plain-English guidance beside each question: a hint that says what good looks
like, and a short example shown behind a "What a good answer looks like"
details component. Written for service managers, not equality specialists.

The examples follow one imagined proposal throughout (reducing library opening
hours) so an author can see how the answers fit together.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString, gettext as _, lazy_gettext as _l


@dataclass(frozen=True)
class Guidance:
    hint: str
    example: str = ""


GUIDANCE: dict[str, Guidance] = {
    "actual_impact": Guidance(
        _l("Compare what happened with what the version you are reviewing predicted for this group.")),
    "actual_evidence": Guidance(
        _l("What shows the actual impact: monitoring data, complaints, feedback from the group, progress on "
           "the actions. Say where it comes from and when."),
        _l("Visits by people aged over 75 fell by 4% against 12% predicted (library counts, April to "
           "September); no complaints about the evening opening."),
    ),
    "next_step": Guidance(_l("What the council will do now, having looked at what actually happened.")),
    "next_step_reason": Guidance(_l("Say why, from the actual impacts and the evidence above.")),
    "directorate": Guidance(_l("The directorate that owns the activity. Its equality lead will see the assessment.")),
    "service": Guidance(_l("The service within the directorate, if there is one, for example Libraries.")),
    "activity_kind": Guidance(
        _l("What kind of decision this is. Budget proposals and decommissioning need as much care as new "
           "policies: they often affect the same people several times over.")),
    "aims": Guidance(
        _l("Say what the activity is for and what will change for the people who use it. Avoid jargon: the "
           "decision-maker and the public will read this."),
        _l("Reduce opening hours at four branch libraries from 45 to 32 hours a week to save \u00a3180,000 a "
           "year, while keeping every library open at least one evening and on Saturdays."),
    ),
    "people_affected": Guidance(
        _l("Residents, service users, staff or partners, and roughly how many. Include people who may be "
           "affected indirectly, such as carers."),
        _l("About 21,000 active library members, 38 library staff, and groups that meet in the libraries, "
           "including two parent-and-baby groups and a job club."),
    ),
    "screening_reason": Guidance(
        _l("Say what you know about this group and the activity. \u201cNo\u201d needs a reason too: what "
           "tells you the group will not be affected differently?"),
        _l("Yes: older residents make up 41% of daytime visits (visitor survey, 2025), so fewer daytime "
           "hours affect them more than other groups."),
    ),
    "advances": Guidance(
        _l("Could the activity help people in this group to take part, or meet needs that are different from "
           "other people\u2019s? Answer even if the main aim is something else."),
    ),
    "relevance": Guidance(
        _l("High if the activity is about a service many people in a protected group rely on, or changes "
           "access to it; low if it is internal and affects nobody differently."),
    ),
    "proposal": Guidance(
        _l("A screen-out is never the author\u2019s decision alone: an equality lead must agree it. If any "
           "answer is \u201cDon\u2019t know\u201d, a full assessment is needed to find out."),
    ),
    "conclusion": Guidance(
        _l("Summarise what the screening found and why it leads to your proposed conclusion."),
        _l("Older and disabled residents use daytime hours most, and the change could reduce their access. A "
           "full assessment is needed to look at the evidence and how to reduce the impact."),
    ),
    "evidence_source": Guidance(
        _l("Name the source so a reader could find it again: the dataset, report, survey or complaints log."),
        _l("Library visitor survey, 2025 (1,240 responses)"),
    ),
    "evidence_summary": Guidance(
        _l("Say what the evidence shows about the groups affected, with numbers where you have them. Say "
           "what it does not tell you, too."),
        _l("41% of daytime visits are by people over 65; 18% of visitors say they have a disability. The "
           "survey did not ask about religion or sexual orientation."),
    ),
    "evidence_kind": Guidance(
        _l("Data and monitoring tell you who uses the service; research, complaints and consultation tell "
           "you how it affects them. The strongest assessments use more than one kind.")),
    "evidence_link": Guidance(_l("A web address where the evidence can be read, if there is one.")),
    "consultation_who": Guidance(
        _l("Name the groups and how many people took part. Engagement with the people most affected counts "
           "most."),
        _l("Library users (412 survey responses), the Older People\u2019s Forum, the Disability Access Group "
           "and library staff."),
    ),
    "consultation_said": Guidance(
        _l("The main themes, including the ones you disagree with. Say which groups raised them."),
        _l("Older users said mornings matter most because they avoid travelling after dark. Parents asked to "
           "keep the Saturday morning rhyme-time sessions."),
    ),
    "consultation_changed": Guidance(
        _l("What you changed because of what people said, or why you did not."),
        _l("We moved the reduced hours from mornings to late afternoons, and kept Saturday mornings at every "
           "branch."),
    ),
    "no_consultation_reason": Guidance(
        _l("If there was no consultation or engagement, say why, and how you know the views of the people "
           "affected without it."),
    ),
    "impact": Guidance(
        _l("Judge the likely effect on this group compared with other people. \u201cNot yet known\u201d is "
           "honest when the evidence is missing: plan an action to find out."),
    ),
    "duty_aims": Guidance(
        _l("Tick each of the duty's aims this activity could affect for this group."),
    ),
    "severity": Guidance(
        _l("How serious the negative impact is for the people affected: how many, how badly, and for how "
           "long."),
    ),
    "evidence_narrative": Guidance(
        _l("Explain how the evidence leads to your judgement. A judgement of \u201cneutral\u201d needs "
           "reasons as much as a negative one."),
        _l("Negative. 41% of daytime visits are by over-65s, and 63% of them say they would not come in the "
           "evening. Fewer morning hours would reduce their access more than other groups\u2019."),
    ),
    "cited_evidence": Guidance(_l("Choose the evidence items this judgement relies on.")),
    "no_evidence_reason": Guidance(
        _l("If no evidence exists about this group, say why, and plan an action to gather it."),
        _l("The visitor survey does not ask about sexual orientation, and there is no other local data."),
    ),
    "mitigation": Guidance(
        _l("What will reduce or remove the negative impact, who will do it, and by when."),
        _l("Keep morning opening at the two branches with the most older visitors, and extend the home "
           "library service to anyone over 75 who asks."),
    ),
    "intersectional": Guidance(
        _l("Think about people in more than one group (for example older disabled people), and about other "
           "changes affecting the same people at the same time."),
        _l("Older disabled residents in the north of the borough also face the bus route changes in "
           "EQIA-2026-0031. Together these make it harder to reach any library in the morning."),
    ),
    "outcome_justification": Guidance(
        _l("Continuing despite an adverse impact needs a legitimate aim, a reason why the means are "
           "proportionate, and why there is no less harmful way to achieve it."),
        _l("The saving is needed to set a legal budget (legitimate aim). Keeping two branches open in the "
           "morning and extending the home library service limit the impact; the alternatives considered "
           "would close a branch."),
    ),
    "action_description": Guidance(
        _l("One clear thing to do: to reduce a negative impact, gather missing evidence, or monitor the "
           "actual impact after the decision."),
        _l("Add questions about sexual orientation and religion to the next visitor survey."),
    ),
    "action_measure": Guidance(
        _l("How you will know the action has worked, ideally with a number."),
        _l("Survey results for every protected characteristic, with at least 1,000 responses."),
    ),
    "action_status": Guidance(_l("Keep this up to date: the plan is tracked after the decision.")),
    "screening_review_date": Guidance(
        _l("Only if you propose that no full assessment is needed. Choose a date within 3 years: by then the "
           "activity, the people using it or the evidence have usually changed, and the screen-out must be "
           "looked at again. You can start a review sooner."),
    ),
    "review_date": Guidance(
        _l("When you will compare the actual impact with what this assessment predicted. The duty continues "
           "after the decision."),
    ),
}


def hint(key: str) -> str:
    return GUIDANCE[key].hint


def hint_with_example_date(key: str, example: str) -> LazyString:
    """A question's hint followed by its example date ("For example, 1 4 2027."), each said in the
    request's language: joined when shown, since a form's fields are made at import."""
    def said() -> str:
        for_example = _("For example, %(date)s.", date=example)
        return f"{GUIDANCE[key].hint} {for_example}"

    return LazyString(said)
