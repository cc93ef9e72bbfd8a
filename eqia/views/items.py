"""Add, change and remove pages for the repeatable items of a section
(evidence, consultations, actions): one set of views, configured per kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eqia.forms.completion import ConfirmForm
from eqia.services import assessments as service
from eqia.services import content
from eqia.services.content import ItemKind
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.views.assessments import attach_problems, bp, read_only_or_edit, run_form


@dataclass(frozen=True)
class ItemPages:
    name: str  # endpoint suffix: add_<name>, edit_<name>, remove_<name>
    kind: ItemKind
    form_class: type
    list_endpoint: str  # the section page the items are listed on
    heading_add: str  # each text here is a lazy_gettext: shown in the language of the request
    heading_change: str
    title_field: str  # the field that names an item in "Remove ...?"
    remove_heading: str  # "Remove this evidence": whole sentences, so the Welsh can word them its own way
    remove_question: str
    added: str  # what the banner says after each change
    saved: str
    removed: str
    guidance: tuple[tuple[str, str], ...] = ()  # (field, guidance key) for "what a good answer looks like"
    prepare: Callable | None = None  # gives a new form what it offers that is not fixed (the accounts to choose)

    def values_of(self, item) -> dict:
        return {k: getattr(item, k) for k in self.kind.fields}


def register_item_pages(pages: ItemPages) -> None:
    def item_form(assessment, item_id: int | None):
        if (shown := read_only_or_edit(assessment, pages.kind.section)) is not None:
            return shown
        item = content.find_item(assessment, pages.kind, item_id) if item_id is not None else None
        data = None
        if request.method == "GET":
            data = {**(pages.values_of(item) if item else {}), "lock_version": assessment.lock_version}
            if item is None and "status" in pages.kind.fields:
                data["status"] = "not_started"
        form = pages.form_class(data=data)
        if pages.prepare is not None:
            pages.prepare(form)

        def initial(current):
            found = next((i for i in getattr(current, pages.kind.collection) if i.id == item_id), None)
            return pages.values_of(found) if found else {}

        back = url_for(pages.list_endpoint, assessment_id=assessment.id)
        result = run_form(
            form, lambda: content.save_item(pages.kind, assessment.id, current_user, form.lock_version.data or 0,
                                            item_id, form.values()),
            initial=initial if item_id is not None else None, done_url=back,
            done_text=str(pages.saved if item_id else pages.added))
        if not isinstance(result, dict):
            return result
        return render_template("assessments/item.html", form=form, assessment=assessment, pages=pages,
                               heading=pages.heading_change if item_id else pages.heading_add, back=back, **result), result["status"]

    def add(assessment_id: int):
        return item_form(service.get_visible(assessment_id, current_user), None)

    def edit(assessment_id: int, item_id: int):
        return item_form(service.get_visible(assessment_id, current_user), item_id)

    def remove(assessment_id: int, item_id: int):
        assessment = service.get_visible(assessment_id, current_user)
        if (shown := read_only_or_edit(assessment, pages.kind.section)) is not None:
            return shown
        g.pop("edit_refused", None)  # the service below refuses it, with the same words
        item = content.find_item(assessment, pages.kind, item_id)
        form = ConfirmForm(data={"lock_version": assessment.lock_version} if request.method == "GET" else None)
        back = url_for(pages.list_endpoint, assessment_id=assessment.id)
        problems, status = [], 200
        if form.validate_on_submit():
            try:
                content.remove_item(pages.kind, assessment.id, current_user, form.lock_version.data or 0, item_id)
            except (Conflict, Invalid, Forbidden, NotPossible, NotFound) as error:
                problems = attach_problems(form, error)
                status = 200 if isinstance(error, (Conflict, Invalid)) else error.status
                form.lock_version.data = getattr(error, "current_lock_version", None) or form.lock_version.data
                form.lock_version.raw_data = [str(form.lock_version.data)]
            else:
                flash(str(pages.removed), "success")
                return redirect(back)
        return render_template("assessments/remove.html", form=form, assessment=assessment, pages=pages,
                               item=item, back=back, problems=problems), status

    for view, rule, endpoint in (
        (add, f"/<int:assessment_id>/{pages.name}/add", f"add_{pages.name}"),
        (edit, f"/<int:assessment_id>/{pages.name}/<int:item_id>", f"edit_{pages.name}"),
        (remove, f"/<int:assessment_id>/{pages.name}/<int:item_id>/remove", f"remove_{pages.name}"),
    ):
        bp.add_url_rule(rule, endpoint, login_required(view), methods=["GET", "POST"])
