"""Security keys (WebAuthn / FIDO2) as a second factor, next to the authenticator app.

A key is added only while two-step verification (TOTP) is on, and may then be used at
log-in instead of the six-digit code; the code always stays available. Each ceremony's
challenge is random, issued for one user and one purpose, expires after
CHALLENGE_SECONDS and is accepted once: the web layer keeps it in the signed session and
`consume_challenge` records its use in the rate limits' store (Redis when REDIS_URL is
set), so a replayed response or cookie is refused by every worker; while Redis does not
answer, by the worker that saw the first use (see `consume_challenge`).

Plain functions with an explicit user; they flush and never commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from grants.auth import passwords
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import User, WebAuthnCredential
from grants.models.types import utcnow
from grants.security import audit, ratelimit

CHALLENGE_SECONDS = 120
MAX_KEYS = 10
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    """Who the keys are bound to: the portal's domain (RP ID), its name and its origin."""

    id: str
    name: str
    origin: str


def relying_party() -> RelyingParty | None:
    """From WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGIN, each derived from
    PORTAL_URL when unset; None (security keys not offered) when neither is configured."""
    cfg = current_app.config
    portal = urlsplit(cfg.get("PORTAL_URL") or "")
    origin = cfg.get("WEBAUTHN_ORIGIN") or (
        f"{portal.scheme}://{portal.netloc}" if portal.scheme and portal.netloc else None)
    rp_id = cfg.get("WEBAUTHN_RP_ID") or (urlsplit(origin).hostname if origin else None)
    if not origin or not rp_id:
        return None
    return RelyingParty(rp_id, cfg.get("WEBAUTHN_RP_NAME") or "Grants portal", origin)


def keys_of(user: User) -> list[WebAuthnCredential]:
    return list(db.session.scalars(
        sa.select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
        .order_by(WebAuthnCredential.created_at, WebAuthnCredential.id)))


def has_keys(user: User) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(WebAuthnCredential).where(
        WebAuthnCredential.user_id == user.id)) > 0


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(
        id=k.credential_id,
        transports=[AuthenticatorTransport(t) for t in k.transports or [] if t in _TRANSPORTS])
        for k in keys_of(user)]


def _user_handle(user: User) -> bytes:
    """An opaque, stable handle for the key to keep (no name, no e-mail)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(secret + b"webauthn-user:" + str(user.id).encode()).digest()[:32]


def registration_options(user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """Options for navigator.credentials.create() as JSON, and their challenge."""
    if not user.totp_enabled:
        raise ServiceError("Turn on two-step verification with an app first.")
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_name=user.username, user_id=_user_handle(user),
        timeout=CHALLENGE_SECONDS * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=_descriptors(user))
    return options_to_json(options), options.challenge


def authentication_options(user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """Options for navigator.credentials.get() limited to the user's keys, and challenge."""
    options = generate_authentication_options(
        rp_id=rp.id, timeout=CHALLENGE_SECONDS * 1000, allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json(options), options.challenge


def consume_challenge(challenge: bytes) -> bool:
    """Record the challenge as used; False if it was used before (a replay).

    In the rate limits' store, which works with the rate limits turned off. While Redis
    does not answer, the use is recorded in this process's memory, like the rate limits'
    counts: a replay to the same worker is still refused; one to another worker within
    the challenge's two minutes is not. That is kept rather than refusing every key during
    the outage, because: a replayed registration is refused anyway (a key is registered
    once: the unique credential id); a replayed log-in needs the very request sent (the
    session cookie holding the challenge and the key's signed answer), taken and sent
    again within two minutes; and refusing would leave whoever has only their key at hand
    unable to log in for as long as Redis is down.
    """
    key = "webauthn-challenge/" + hashlib.sha256(challenge).hexdigest()
    return ratelimit.store().run(lambda storage: storage.incr(key, CHALLENGE_SECONDS * 2)) == 1


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 64:
        raise ServiceError("Give the key a name of up to 64 characters, e.g. “blue key”.",
                           field="name")
    return name


def register_key(user: User, name: str | None, credential: str, challenge: bytes,
                 rp: RelyingParty, *, password: str | None) -> WebAuthnCredential:
    """Verify the browser's answer to the registration options and keep the key; the
    password confirms it is really them (a key is a way in, like the app's code)."""
    name = _clean_name(name)
    if not user.totp_enabled:
        raise ServiceError("Turn on two-step verification with an app first.")
    if not password or not passwords.verify_secret(user.password_hash, password):
        raise ServiceError("Your password is not right.", field="password")
    if len(keys_of(user)) >= MAX_KEYS:
        raise ServiceError("You have the most keys an account may have. Remove one first.")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, require_user_verification=False)
        transports = _transports(credential)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ServiceError("The security key could not be added. Please try again.") from exc
    taken = db.session.scalar(sa.select(WebAuthnCredential.id).where(
        WebAuthnCredential.credential_id == verified.credential_id))
    if taken is not None:
        raise ServiceError("That security key is already registered.")
    key = WebAuthnCredential(
        user_id=user.id, credential_id=verified.credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        name=name, transports=transports)
    db.session.add(key)
    db.session.flush()
    audit.record(user, "user.security_key_added", user, key_id=key.id)
    return key


def _transports(credential: str) -> list[str]:
    data = json.loads(credential)
    found = (data.get("response") or {}).get("transports") or []
    return [t for t in found if isinstance(t, str) and t in _TRANSPORTS][:8]


def _credential_id(credential: str) -> bytes:
    data = json.loads(credential)
    if not isinstance(data, dict) or not isinstance(data.get("rawId"), str):
        raise ValueError("no credential id")
    return base64url_to_bytes(data["rawId"])


def check_key_login(user: User, credential: str, challenge: bytes | None,
                    rp: RelyingParty) -> bool:
    """Accept a signed answer from one of the user's own keys, once; counted with the
    app codes toward the second factor's limit. A key whose signature counter goes back
    (a cloned key) is refused."""
    ratelimit.check("totp", str(user.id), current_app.config["TOTP_LIMIT"])
    if not user.totp_enabled or challenge is None:
        return False
    try:
        key = db.session.scalar(sa.select(WebAuthnCredential).where(
            WebAuthnCredential.user_id == user.id,
            WebAuthnCredential.credential_id == _credential_id(credential)))
        if key is None:
            raise ValueError("not this user's key")
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count, require_user_verification=False)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError):
        audit.record(None, "login.security_key_failed", user)
        return False
    key.sign_count, key.last_used_at = verified.new_sign_count, utcnow()
    audit.record(user, "login.security_key_used", user, key_id=key.id)
    return True


def remove_key(user: User, key: WebAuthnCredential, password: str | None) -> None:
    """Remove one of the user's keys; the password confirms it is really them."""
    if key.user_id != user.id:
        raise ServiceError("That key is not yours.")
    if not password or not passwords.verify_secret(user.password_hash, password):
        raise ServiceError("Your password is not right.", field="password")
    audit.record(user, "user.security_key_removed", user, key_id=key.id)
    db.session.delete(key)
    db.session.flush()


def encode(challenge: bytes) -> str:
    return bytes_to_base64url(challenge)


def decode(value: str) -> bytes:
    return base64url_to_bytes(value)
