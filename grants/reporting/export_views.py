"""Exports for officers (CSV, XLSX) and 360Giving open data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
