"""The applications blueprint and the loaders its route modules share (views,
route_views). grants/applications/__init__.py imports the route modules."""

from __future__ import annotations

from flask import Blueprint

from grants.models import Application
from grants.policy import Permission, require
from grants.web import shown

bp = Blueprint("applications", __name__, url_prefix="/applications")


def load(application_id: int) -> Application:
    return shown(Application, application_id, Permission.VIEW_APPLICATION)


def editable(application_id: int) -> Application:
    application = load(application_id)
    require(Permission.EDIT_APPLICATION, application)
    return application
