"""Routes for Stripe: donations, the webhook, connected-account onboarding (filled in by
the Stripe work)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stripe", __name__)
