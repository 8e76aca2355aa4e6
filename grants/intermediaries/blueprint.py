"""The regranting blueprint and what its route modules share (views, call_views).
grants/intermediaries/__init__.py imports the route modules."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from grants.extensions import db
from grants.models import Award, Organisation
from grants.policy import Permission, can

bp = Blueprint("intermediaries", __name__, url_prefix="/regranting")
PAGE_SIZE = 25


def load_award(award_id: int, permission: Permission = Permission.VIEW_REGRANTING) -> Award:
    award = db.session.get(Award, award_id)
    if award is None or not can(current_user, permission, award):
        abort(404)
    return award


def org_themes(award: Award) -> list[tuple[str, str]]:
    org = db.session.get(Organisation, award.organisation_id)
    return [("", _("None"))] + [(t, t) for t in (org.themes or [])]
