"""The review blueprint and the loader its route modules share (views,
rubric_views). grants/review/__init__.py imports the route modules."""

from __future__ import annotations

from flask import Blueprint

from grants.models import Application
from grants.policy import Permission
from grants.web import shown

bp = Blueprint("review", __name__, url_prefix="/review")


def load(application_id: int) -> Application:
    return shown(Application, application_id, Permission.VIEW_APPLICATION)
