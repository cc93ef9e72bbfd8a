"""Taking a transition of a programme record (an action plan, a cumulative judgement) on its own page: the
GET says why not now rather than offer a form that will be refused; the POST takes it through the record's
service, and a refusal comes back on the page with what was typed kept. The record's service gives `get`,
`definition_of`, `check_may_take`, `take`, `done_message` and `what_blocks`, and the page `templates/<its
folder>/action.html` lays it out with `templates/_transition_form.html`."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user

from eqia.extensions import db
from eqia.forms.transition import TransitionForm
from eqia.services import single_sign_on as sso
from eqia.services.errors import ServiceError
from eqia.views.errors import put_on
from eqia.views.single_sign_on import confirm_step
from eqia.views.single_sign_on_words import words
from eqia.workflow.hooks import Problem


def take_action(service: ModuleType, record_id: int, trigger: str, *, subject: str, template: str, name: str,
                back: Callable[[int], str]):
    """The page of one transition: `subject` is the record's workflow subject; `name` is what the template calls
    the record; `back(record_id)` the address of the record's page, where a transition taken returns."""
    user = current_user._get_current_object()
    found = service.get(user, record_id)
    definition = service.definition_of(found)
    transition = definition.transitions.get(trigger)
    if transition is None or transition.system:
        abort(404)
    form = TransitionForm()
    problems, status = [], 200
    # A signature asks who is signing again: their password, or for someone who signed in through single
    # sign-on, a fresh sign-in there (eqia.views.single_sign_on).
    via_provider = transition.reauthenticate and sso.signed_in_with_provider()
    if request.method == "GET":
        form.lock_version.data = found.lock_version
        service.check_may_take(user, found, transition)
    elif form.validate_on_submit():
        before = found.state
        try:
            done = service.take(user, record_id, trigger, comment=form.comment.data or "",
                                expected_lock_version=form.lock_version.data, attested=bool(form.attest.data),
                                password=None if via_provider else form.password.data)
        except ServiceError as error:
            if via_provider:
                error.problems = [Problem(words("confirm_first"), field="confirm-identity")
                                  if p.field == "password" else p for p in error.problems]
            problems, status = put_on(form, error), error.status
            db.session.expire_all()
            found = service.get(user, record_id)
            form.lock_version.data = found.lock_version
            form.lock_version.raw_data = [str(found.lock_version)]
        else:
            flash(service.done_message(done, transition, before), "success")
            return redirect(back(record_id))
    return render_template(template, **{name: found}, transition=transition, form=form, problems=problems,
                           blocking=service.what_blocks(user, found, transition),
                           state=definition.states[found.state],
                           confirm_step=confirm_step(user, subject, found, trigger) if via_provider else None), status

