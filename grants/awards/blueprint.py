"""The awards blueprint and the loaders its route modules share (views, report_views).
grants/awards/__init__.py imports the route modules."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from grants.awards import queries
from grants.policy import Permission, can, require

bp = Blueprint("awards", __name__, url_prefix="/awards")


def load(award_id: int):
    """The award with all its page shows, or 404 if this user may not see it."""
    award = queries.award_for_page(award_id)
    if award is None or not can(current_user, Permission.VIEW_AWARD, award):
        abort(404)
    return award


def managed(award_id: int):
    award = load(award_id)
    require(Permission.MANAGE_AWARD, award)
    return award


def to_award_page(award, anchor: str = ""):
    return redirect(url_for("awards.show", award_id=award.id) + (f"#{anchor}" if anchor else ""))
