"""The scoring rubric of a call, edited by those who manage the call."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.content import shipped, unshipped
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call
from grants.policy import Permission, can, require
from grants.rescue import rescuable
from grants.review import forms, services
from grants.review.blueprint import bp
from grants.web import attach_error, rescued


@bp.route("/calls/<int:call_id>/rubric", methods=["GET", "POST"])
@rescuable
def rubric(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or not can(current_user, Permission.VIEW_CALL, call):
        abort(404)
    require(Permission.MANAGE_CALLS, call)
    defaults = {} if request.method == "POST" else {"data": {
        "criteria": "\n".join(shipped(c) for c in services.criteria(call))}}
    form = forms.RubricForm(**(rescued() or defaults))
    if form.validate_on_submit():
        try:
            # The default criteria were shown in the officer's language; kept as stored.
            services.set_rubric(current_user, call,
                                [unshipped(c.strip()) for c in form.criteria.data.splitlines()])
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("The scoring rubric is saved."), "success")
            return redirect(url_for(".rubric", call_id=call.id))
    return render_template("review/rubric.html", call=call, form=form,
                           default=not call.review_criteria)
