"""Routes of grants/awards (filled in by the awards work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("awards", __name__)
