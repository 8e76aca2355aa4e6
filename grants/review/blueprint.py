"""The review blueprint and the loader its route modules share (views,
rubric_views). grants/review/__init__.py imports the route modules."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from grants.extensions import db
from grants.models import Application
from grants.policy import Permission, can

bp = Blueprint("review", __name__, url_prefix="/review")


def load(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or not can(current_user, Permission.VIEW_APPLICATION, application):
        abort(404)
    return application
