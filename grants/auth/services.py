"""Account rules: registration, authentication, two factors, recovery, administration.

Plain functions with an explicit actor; they flush and never commit.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from grants import usernames
from grants.auth import passwords, queries, totp
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Role, User, UserSession, WebAuthnCredential
from grants.models.types import utcnow
from grants.security import audit, ratelimit


def normalise_username(username: str) -> str:
    """The form log-in compares (case-folded NFKC): also what the rate limits count by."""
    return usernames.key(username)


def find_user(username: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.username_key == normalise_username(username)))


def _looks_taken(name: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(sa.or_(
        User.username_key == usernames.key(name),
        User.username_skeleton == usernames.skeleton(name)))) is not None


def register(username: str, password: str, *, email: str | None = None,
             language: str = "en", role: Role = Role.APPLICANT, actor: User | None = None
             ) -> tuple[User, str]:
    """Create an account and return it with its recovery code, to be shown once.

    A user name may be a pseudonym, in any script (`usernames.check` has the rule); one
    that is, or looks like, a name in use is refused, by the unique skeleton when two
    look-alikes are sent at the same moment.
    """
    name = usernames.check(username)
    if _looks_taken(name):
        raise ServiceError(usernames.TAKEN, field="username")
    passwords.check_strength(password, name)
    code = passwords.new_recovery_code()
    user = User(
        username=name,
        email=(email or "").strip() or None,
        password_hash=passwords.hash_secret(password),
        recovery_code_hash=passwords.hash_secret(code),
        role=role,
        preferred_language=language,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except sa.exc.IntegrityError:
        raise ServiceError(usernames.TAKEN, field="username") from None
    audit.record(actor or user, "user.registered", user, role=role.value)
    return user, code


def authenticate(username: str, password: str, client_ip: str) -> User | None:
    """Return the user if the password is right and the account active, else None.

    Counts attempts per account and per address; one generic answer for every failure.
    """
    cfg = current_app.config
    ratelimit.check("login-ip", client_ip, cfg["LOGIN_LIMIT_PER_IP"])
    ratelimit.check("login-user", normalise_username(username), cfg["LOGIN_LIMIT_PER_ACCOUNT"])
    user = find_user(username)
    ok = passwords.verify_secret(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        if user is not None:
            audit.record(None, "login.failed", user)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_secret(password)
    return user


def check_second_factor(user: User, code: str) -> bool:
    """Accept a TOTP code once; every attempt counts toward the limit."""
    ratelimit.check("totp", str(user.id), current_app.config["TOTP_LIMIT"])
    if not user.totp_enabled or not user.totp_secret:
        return False
    step = totp.matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        audit.record(None, "login.totp_failed", user)
        return False
    user.totp_last_step = step
    return True


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record(user, "login.succeeded", user)


def begin_totp_enrolment(user: User) -> str:
    """Give the user a new, not yet active secret (kept until confirmed)."""
    if user.totp_enabled:
        raise ServiceError("Two-step verification is already on.")
    if not user.totp_secret:
        user.totp_secret = totp.new_secret()
        db.session.flush()
    return user.totp_secret


def confirm_totp(user: User, code: str) -> None:
    """Turn on two-step verification once the user proves the app shows the right code."""
    ratelimit.check("totp", str(user.id), current_app.config["TOTP_LIMIT"])
    if user.totp_enabled or not user.totp_secret:
        raise ServiceError("Start the set-up again.")
    step = totp.matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        raise ServiceError("That code is not right. Check your phone's clock and try again.",
                           field="code")
    user.totp_enabled, user.totp_last_step = True, step
    audit.record(user, "user.totp_enabled", user)


def disable_totp(actor: User, user: User, password: str | None = None) -> None:
    """Applicants may turn it off with their password; staff only through an admin reset."""
    if actor.id == user.id:
        if user.is_staff:
            raise ServiceError("Staff accounts must keep two-step verification on.")
        if password is None or not passwords.verify_secret(user.password_hash, password):
            raise ServiceError("Your password is not right.", field="password")
    _clear_second_factors(user)
    audit.record(actor, "user.totp_disabled", user)


def change_password(user: User, current: str, new: str, keep_session_id: int | None) -> None:
    """Change the password and end every other session of the account."""
    if not passwords.verify_secret(user.password_hash, current):
        raise ServiceError("Your current password is not right.", field="current_password")
    passwords.check_strength(new, user.username)
    user.password_hash = passwords.hash_secret(new)
    user.password_changed_at = utcnow()
    end_sessions(user, except_id=keep_session_id)
    audit.record(user, "user.password_changed", user)


def recover(username: str, code: str, new_password: str, client_ip: str) -> tuple[User, str]:
    """Reset a password with the recovery code; returns the user and a fresh code.

    The used code stops working. An applicant's two-step verification is turned off (the
    lost phone is the usual reason to recover); a staff account keeps it.
    """
    ratelimit.check("recover-ip", client_ip, current_app.config["LOGIN_LIMIT_PER_IP"])
    ratelimit.check("recover-user", normalise_username(username),
                    current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    user = find_user(username)
    normal = passwords.normalise_recovery_code(code)
    if not passwords.verify_secret(user.recovery_code_hash if user else None, normal):
        raise ServiceError("That user name and recovery code do not match.")
    passwords.check_strength(new_password, user.username)
    fresh = passwords.new_recovery_code()
    user.password_hash = passwords.hash_secret(new_password)
    user.recovery_code_hash = passwords.hash_secret(fresh)
    user.password_changed_at = utcnow()
    if not user.is_staff:
        _clear_second_factors(user)
    end_sessions(user)
    audit.record(user, "user.recovered", user)
    return user, fresh


# --- sessions -------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, token: str) -> UserSession:
    now = utcnow()
    s = UserSession(
        user=user, token_hash=token_hash(token), created_at=now, last_seen_at=now,
        expires_at=now + current_app.config["PERMANENT_SESSION_LIFETIME"],
    )
    db.session.add(s)
    db.session.flush()
    return s


def live_session(token: str) -> UserSession | None:
    """The session for `token` if it has not ended, expired or gone idle."""
    s = queries.session_by_hash(token_hash(token))
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if s is None or s.ended_at is not None or s.expires_at <= now or s.last_seen_at + idle <= now:
        return None
    if not s.user.is_active:
        return None
    return s


def session_owner(token: str) -> int | None:
    """The user id of a (possibly lapsed) session token, if the token was ever issued."""
    return db.session.scalar(
        sa.select(UserSession.user_id).where(UserSession.token_hash == token_hash(token)))


def end_sessions(user: User, except_id: int | None = None) -> int:
    """End the user's live sessions (all, or all but one); returns how many."""
    q = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if except_id is not None:
        q = q.where(UserSession.id != except_id)
    return db.session.execute(q.values(ended_at=utcnow())).rowcount


# --- administration -------------------------------------------------------------------

def set_role_and_status(actor: User, user: User, role: Role, active: bool) -> None:
    """Admins change a role or (de)activate; an admin cannot lock themself out."""
    if actor.id == user.id and (role != user.role or not active):
        raise ServiceError("You cannot change your own role or deactivate yourself.")
    changed = {}
    if role != user.role:
        changed["role"] = [user.role.value, role.value]
        user.role = role  # a new staff member is sent to set up 2FA at next request
    if active != user.is_active:
        changed["active"] = [user.is_active, active]
        user.is_active = active
    if changed:
        end_sessions(user)
        audit.record(actor, "user.updated", user, **changed)


def reset_second_factor(actor: User, user: User) -> None:
    """An admin clears a lost authenticator; the user enrols again at next log-in."""
    _clear_second_factors(user)
    end_sessions(user)
    audit.record(actor, "user.totp_reset", user)


def _clear_second_factors(user: User) -> None:
    """Turn two-step verification off: the app's secret and every security key go, so a
    key cannot quietly work again once a new app is enrolled."""
    user.totp_enabled, user.totp_secret = False, None
    db.session.execute(sa.delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
