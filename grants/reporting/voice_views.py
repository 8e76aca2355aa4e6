"""The defenders' voice: anonymous survey, consultation log, peer directory."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voice", __name__)
