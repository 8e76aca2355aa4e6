"""The group's choice of route on a call with an intermediary route (IV.6): directly,
through an intermediary serving its country, or asking the funder to find one."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.applications import forms, routing
from grants.applications.blueprint import bp, editable
from grants.applications.services import REVIEW
from grants.models import Application
from grants.web import act


def _choices(application: Application) -> list[tuple[str, str]]:
    names = {str(o.id): o.name for o in routing.intermediaries_for(application.country)}
    labels = {routing.DIRECT: _("Directly to the funder"),
              routing.FIND: _("Through an intermediary the funder finds for us")}
    return [(c, labels.get(c) or _("Through %(name)s", name=names[c]))
            for c in routing.route_choices(application)]


@bp.route("/<int:application_id>/route", methods=["GET", "POST"])
def route(application_id: int):
    application = editable(application_id)
    if not routing.offers_route(application):
        return redirect(url_for(".step", application_id=application.id, number=REVIEW))
    form = forms.RouteForm(data={"route": routing.current_choice(application)})
    form.route.choices = _choices(application)
    if done := act(form, lambda: routing.choose_route(current_user, application,
                                                    form.route.data),
                   _("Saved."),
                   lambda result: url_for(".step", application_id=application.id, number=REVIEW)):
        return done
    return render_template("applications/route.html", application=application, form=form,
                           direct=not routing.needs_intermediary(application))
