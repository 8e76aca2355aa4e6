"""Time-based one-time passwords (RFC 6238) with replay protection."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

import pyotp
import segno

ISSUER = "Grants portal"


def new_secret() -> str:
    return pyotp.random_base32()


def matching_step(secret: str, code: str, after_step: int, now: float | None = None) -> int | None:
    """Return the time step `code` belongs to (current one +/- 1), if later than `after_step`."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    for drift in (0, -1, 1):
        moment = now + drift * totp.interval
        step = totp.timecode(datetime.fromtimestamp(moment, UTC))
        if step > after_step and hmac.compare_digest(totp.at(moment), code):
            return step
    return None


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no JavaScript, no external request)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
