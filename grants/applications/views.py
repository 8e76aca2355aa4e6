"""The applicant's journey: start, steps with drafts, budget, review, submit, withdraw."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("applications", __name__, url_prefix="/applications")


@bp.route("/new/<int:call_id>", methods=["GET", "POST"])
def start(call_id: int):
    """Start an application to a call (being built: see the applications helper)."""
    abort(404)
