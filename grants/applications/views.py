"""The applicant's journey: start, steps with drafts, budget, review, submit, withdraw."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/applications")
