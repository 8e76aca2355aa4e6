"""Authorization-matrix entries for security (merged into the matrix test).

Every signed-in user manages their own security keys; the key 999999 does not exist, so
removing it answers 404 to everyone (removing another person's key answers 404 as well,
see tests/test_webauthn.py). Using a key at log-in is public and, without a pending
log-in, sends everyone back to log in.
"""

from __future__ import annotations

from tests.access import everyone, signed_in

ENTRIES: dict = {
    "security_keys.index": ("GET", {}, signed_in(200)),
    "security_keys.remove": ("POST", {"key_id": 999999}, signed_in(404)),
    "security_keys.login": ("GET", {}, everyone(302)),
}
