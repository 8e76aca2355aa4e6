"""The confirmation step every approval goes through: the terms as the
portal understood them are shown back before anything is decided, with a warning the officer
must tick when the amount is far from the request. The typed values travel on as hidden
fields, so "Change the terms" gives the form back exactly as it was typed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import render_template, request
from flask_babel import gettext as _

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Application
from grants.review import forms
from grants.review.terms import Terms
from grants.web import attach_error


def confirm_or_act(application: Application, form, make_terms: Callable[[], Terms],
                   act: Callable, *, action: str, facts: Iterable = ()):
    """Act (`act()`, the approval) only on a confirmed post of terms that are not far from the
    request, or whose warning the officer ticked; otherwise the confirmation page. A refusal
    of the terms goes back on `form` (None: the caller shows its page again)."""
    try:
        terms = make_terms()
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return None
    confirm = forms.ConfirmTermsForm()
    if request.form.get("confirmed") == "1":
        if not terms.far or confirm.far_ok.data:
            return act()
        confirm.far_ok.errors = [_("Tick the box to approve an amount this far from the "
                                   "request, or change the terms.")]
    carried = [(name, value) for name, value in request.form.items(multi=True)
               if name not in forms.NOT_CARRIED]
    return render_template("review/confirm.html", application=application, terms=terms,
                           form=confirm, action=action, facts=list(facts), carried=carried)
