"""Which view serves each page the EqIA's rules name. The domain says where a
problem is put right by the page's key (a section, one action of the plan, the
challenge ledger), never by a web endpoint: this is the one place that knows
the views."""

from __future__ import annotations

from typing import Any

from flask import url_for

ENDPOINTS = {
    "register_details": "assessments.edit_details",
    "screening": "assessments.edit_screening",
    "evidence": "assessments.evidence",
    "consultation": "assessments.consultation",
    "characteristics": "assessments.edit_impact",
    "intersectional": "assessments.intersectional",
    "outcome": "assessments.outcome",
    "action_plan": "assessments.action_plan",
    "action": "assessments.edit_action",
    "actual_impacts": "assessments.actual_impacts",
    "review": "assessments.review",
    "respond": "assessments.respond",
}


def endpoint_for(page: str) -> str:
    return ENDPOINTS[page]


def page_url(page: str, assessment_id: int, args: Any = ()) -> str:
    """The address of an assessment's page named by its key, with more of its URL (`args`)."""
    return url_for(ENDPOINTS[page], assessment_id=assessment_id, **dict(args))
