"""What the app loaded at start-up: workflow definitions and the characteristic
set. Kept on the app, reached through these functions. (The engine builds each
definition's machine itself: eqia.workflow.engine.machine_for.)"""

from __future__ import annotations

from flask import current_app

from eqia.characteristics import PROFILES, CharacteristicSet, load_characteristics
from eqia.workflow.definition import WorkflowDefinition, WorkflowRegistry

DEFAULT_WORKFLOW = "standard"


def workflows() -> WorkflowRegistry:
    return current_app.extensions["eqia"]["workflows"]


def definition_for(assessment) -> WorkflowDefinition:
    return workflows().get(assessment.workflow_name, assessment.workflow_version)


def characteristics() -> CharacteristicSet:
    """The profile this deployment runs: the one new assessments are made under."""
    return current_app.extensions["eqia"]["characteristics"]


def profile_for(assessment) -> CharacteristicSet:
    """The profile an assessment was made under, where this service has it
    (its duty is the one the assessment names); otherwise the running one."""
    running = characteristics()
    key = getattr(assessment, "profile_key", "") or running.key
    if key == running.key:
        return running
    loaded: dict = current_app.extensions["eqia"]["profiles"]
    if key not in loaded:
        loaded[key] = load_characteristics(PROFILES[key]) if key in PROFILES else None
    return loaded[key] or running
