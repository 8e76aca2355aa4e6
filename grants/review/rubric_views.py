"""The scoring rubric of a call, edited by those who manage the call."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.content import shipped, unshipped
from grants.models import Call
from grants.policy import Permission, require
from grants.rescue import rescuable
from grants.review import forms, services
from grants.review.blueprint import bp
from grants.web import act, rescued, shown


@bp.route("/calls/<int:call_id>/rubric", methods=["GET", "POST"])
@rescuable
def rubric(call_id: int):
    call = shown(Call, call_id, Permission.VIEW_CALL)
    require(Permission.MANAGE_CALLS, call)
    defaults = {} if request.method == "POST" else {"data": {
        "criteria": "\n".join(shipped(c) for c in services.criteria(call))}}
    form = forms.RubricForm(**(rescued() or defaults))
    # The default criteria were shown in the officer's language; kept as stored.
    if done := act(form, lambda: services.set_rubric(
            current_user, call, [unshipped(c.strip()) for c in form.criteria.data.splitlines()]),
            _("The scoring rubric is saved."), lambda result: url_for(".rubric", call_id=call.id)):
        return done
    return render_template("review/rubric.html", call=call, form=form,
                           default=not call.review_criteria)
