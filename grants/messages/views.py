"""Posting to a thread; the thread is shown on the application's page and its award's."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.errors import ServiceError
from grants.extensions import db
from grants.messages import services
from grants.models import Application, Award
from grants.policy import Permission, can, require
from grants.rescue import rescuable

bp = Blueprint("messages", __name__)


@bp.route("/applications/<int:application_id>/messages", methods=["POST"])
@rescuable(page="applications.show")  # a message written as the session lapsed comes back
def post_to_application(application_id: int):
    application = db.session.get(Application, application_id) or abort(404)
    require(Permission.MESSAGE_APPLICATION, application, visible=Permission.VIEW_APPLICATION)
    try:
        services.post_message(current_user, application, request.form.get("body", ""))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Message sent."), "success")
    return redirect(_back(application) + "#messages")


def _back(application: Application) -> str:
    """The page the thread was read on: the award's page when sent from there."""
    if request.form.get("back") == "rapid" and application.rapid_category is not None \
            and can(current_user, Permission.ASSIGN_REVIEW, application):
        return url_for("rapid.decide", application_id=application.id)
    if request.form.get("back") == "award":
        award_id = db.session.scalar(sa.select(Award.id).where(
            Award.application_id == application.id))
        if award_id is not None:
            return url_for("awards.show", award_id=award_id)
    return url_for("applications.show", application_id=application.id)
