"""Calls for proposals: the public list and page, and the officers' set-up."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls")
