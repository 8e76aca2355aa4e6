"""Routes of the disbursement ledger (filled in by the ledger work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")
