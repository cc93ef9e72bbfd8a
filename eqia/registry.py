"""What the app loaded at start-up: workflow definitions, their machines and the
characteristic set. Kept on the app, reached through these functions."""

from __future__ import annotations

from flask import current_app

from eqia.characteristics import CharacteristicSet
from eqia.workflow.definition import WorkflowDefinition, WorkflowRegistry
from eqia.workflow.engine import WorkflowMachine

DEFAULT_WORKFLOW = "standard"


def workflows() -> WorkflowRegistry:
    return current_app.extensions["eqia"]["workflows"]


def definition_for(assessment) -> WorkflowDefinition:
    return workflows().get(assessment.workflow_name, assessment.workflow_version)


def machine_for(definition: WorkflowDefinition) -> WorkflowMachine:
    machines: dict = current_app.extensions["eqia"]["machines"]
    key = (definition.name, definition.version)
    if key not in machines:
        machines[key] = WorkflowMachine(definition)
    return machines[key]


def characteristics() -> CharacteristicSet:
    return current_app.extensions["eqia"]["characteristics"]
