"""Argon2id password and recovery-code hashing."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from grants.errors import ServiceError

RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely


def hasher() -> PasswordHasher:
    ext = current_app.extensions
    if "grants.hasher" not in ext:
        cfg = current_app.config
        ext["grants.hasher"] = PasswordHasher(
            time_cost=cfg.get("ARGON2_TIME_COST", 3),
            memory_cost=cfg.get("ARGON2_MEMORY_KIB", 65536),
            parallelism=cfg.get("ARGON2_PARALLELISM", 4),
        )
    return ext["grants.hasher"]


def hash_secret(value: str) -> str:
    return hasher().hash(value)


def verify_secret(stored: str | None, given: str) -> bool:
    """Check `given` against `stored`; with no stored hash, spend the same time and fail."""
    h = hasher()
    known = stored is not None
    if not known:
        stored = current_app.extensions.setdefault("grants.dummy_hash", h.hash(secrets.token_hex()))
    try:
        h.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False
    return known


def needs_rehash(stored: str) -> bool:
    return hasher().check_needs_rehash(stored)


def check_strength(password: str, username: str) -> None:
    """Refuse weak passwords with a message saying why (ASVS: 12+ characters, no rules)."""
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 12)
    if len(password) < minimum:
        raise ServiceError("Use at least %(min)s characters. A few words together work well.",
                           field="password", min=minimum)
    if len(password) > 128:
        raise ServiceError("Use at most 128 characters.", field="password")
    if password.strip().lower() == username.strip().lower():
        raise ServiceError("Your password must not be your user name.", field="password")


def new_recovery_code() -> str:
    """A 100-bit code in four groups of five, easy to copy by hand."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(20))
    return "-".join(chars[i : i + 5] for i in range(0, 20, 5))


def normalise_recovery_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))
