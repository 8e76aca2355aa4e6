"""Registration, log-in with two factors, log-out, recovery, sessions."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, Role, User, UserSession
from grants.models.types import utcnow
from tests import factories
from tests.factories import PASSWORD

GENERIC = b"That user name and password do not match an active account."


def _login(client, username, password=PASSWORD, next_=""):
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "next": next_})


def _make(app, role=Role.APPLICANT, **kw) -> tuple[int, str, str | None]:
    with app.app_context():
        u = factories.user(role, **kw)
        db.session.commit()
        return u.id, u.username, u.totp_secret


def test_register_with_a_pseudonym_and_no_email_shows_a_recovery_code_once(app, client):
    r = client.post("/auth/register", data={"username": "Quiet-River", "email": "",
                                            "password": "three quiet rivers", "confirm":
                                            "three quiet rivers", "language": "en"})
    assert r.status_code == 200
    assert b"recovery code" in r.data.lower()
    assert r.headers["Cache-Control"] == "no-store"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username_key == "quiet-river"))
        assert user.username == "Quiet-River"  # shown as typed, compared without case
        assert user.email is None and user.role == Role.APPLICANT
        assert user.recovery_code_hash.startswith("$argon2id$")
    assert client.get("/account/").status_code == 200  # signed in straight away


def test_register_keeps_what_was_typed_on_error(app, client):
    _make(app, username="taken-name")
    r = client.post("/auth/register", data={"username": "taken-name", "email": "me@example.org",
                                            "password": "short", "confirm": "short",
                                            "language": "en"})
    assert r.status_code == 200
    assert b"That user name is taken" in r.data
    assert b'value="me@example.org"' in r.data


def test_register_refuses_a_short_password(client):
    r = client.post("/auth/register", data={"username": "someone", "password": "tooshort",
                                            "confirm": "tooshort", "language": "en"})
    assert b"at least 12 characters" in r.data


def test_failed_logins_get_one_generic_message(app, client):
    _, name, _ = _make(app)
    wrong_password = _login(client, name, "not the password at all")
    unknown_user = _login(client, "nobody-here", "not the password at all")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert GENERIC in wrong_password.data and GENERIC in unknown_user.data
    assert client.get("/account/").status_code == 302


def test_applicant_without_2fa_logs_in_and_follows_a_local_next(app, client):
    _, name, _ = _make(app)
    r = _login(client, name, next_="/orgs/")
    assert r.status_code == 302 and r.headers["Location"] == "/orgs/"


def test_next_pointing_elsewhere_is_ignored(app, client):
    _, name, _ = _make(app)
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"):
        client.post("/auth/logout")
        r = _login(client, name, next_=evil)
        assert r.headers["Location"] == "/", evil


def test_staff_need_the_second_factor_and_a_code_works_only_once(app, client):
    _, name, secret = _make(app, Role.OFFICER)
    r = _login(client, name)
    assert r.headers["Location"] == "/auth/2fa"
    assert client.get("/account/").status_code == 302  # not signed in yet
    bad = client.post("/auth/2fa", data={"code": "000000"})
    assert b"not right" in bad.data
    code = pyotp.TOTP(secret).now()
    assert client.post("/auth/2fa", data={"code": code}).status_code == 302
    assert client.get("/account/").status_code == 200
    # The same code from another browser is refused: it was used.
    other = app.test_client()
    _login(other, name)
    replay = other.post("/auth/2fa", data={"code": code})
    assert replay.status_code == 200 and b"already used" in replay.data
    assert other.get("/account/").status_code == 302


def test_staff_without_2fa_must_set_it_up_before_anything_else(app, client):
    _, name, _ = _make(app, Role.OFFICER, totp=False)
    r = _login(client, name)
    assert r.headers["Location"] == "/account/2fa"
    # Asked for a page on the way, set-up comes first, then that page (test_wayback.py).
    assert client.get("/orgs/").headers["Location"] == "/account/2fa?next=/orgs/"
    page = client.get("/account/2fa")
    assert page.status_code == 200 and b"<svg" in page.data
    with app.app_context():
        secret = db.session.scalar(sa.select(User).where(User.username == name)).totp_secret
    wrong = client.post("/account/2fa", data={"code": "123456"})
    assert b"not right" in wrong.data
    ok = client.post("/account/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert ok.headers["Location"] == "/account/"
    assert client.get("/orgs/").status_code == 200


def test_logout_ends_the_session_on_the_server(app, client):
    _, name, _ = _make(app)
    _login(client, name)
    stolen = client.get_cookie("grants_session").value
    r = client.post("/auth/logout")
    assert r.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    client.set_cookie("grants_session", stolen)
    assert client.get("/account/").status_code == 302


def test_changing_the_password_ends_other_sessions(app, client):
    _, name, _ = _make(app)
    other = app.test_client()
    _login(other, name)
    _login(client, name)
    r = client.post("/account/password", data={"current_password": PASSWORD,
                                                "password": "a brand new passphrase",
                                                "confirm": "a brand new passphrase"})
    assert r.status_code == 302
    assert client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302
    assert _login(app.test_client(), name, "a brand new passphrase").status_code == 302


def test_wrong_current_password_changes_nothing(app, client, auth, world):
    auth.login(world.applicant)
    r = client.post("/account/password", data={"current_password": "wrong wrong wrong",
                                                "password": "a brand new passphrase",
                                                "confirm": "a brand new passphrase"})
    assert b"current password is not right" in r.data
    assert _login(app.test_client(), world.applicant.username).status_code == 302


def test_recovery_code_resets_the_password_once(app, client):
    with app.app_context():
        u = factories.user(Role.APPLICANT, totp=True)
        db.session.commit()
        name, code = u.username, u.test_recovery_code
    data = {"username": name, "code": code.lower().replace("-", " "),
            "password": "recovered passphrase", "confirm": "recovered passphrase"}
    r = client.post("/auth/recover", data=data)
    assert r.status_code == 200 and b"recovery code" in r.data.lower()
    again = client.post("/auth/recover", data=data)
    assert b"do not match" in again.data
    assert _login(app.test_client(), name, "recovered passphrase").headers["Location"] == "/"
    with app.app_context():
        assert not db.session.scalar(sa.select(User).where(User.username == name)).totp_enabled


def test_login_attempts_are_rate_limited_per_account(app, client):
    _, name, _ = _make(app)
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    try:
        codes = [_login(client, name, "wrong password here").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert _login(client, name).status_code == 429  # even the right password waits
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per 15 minutes"


def test_second_factor_attempts_are_rate_limited(app, client):
    _, name, secret = _make(app, Role.ADMIN)
    _login(client, name)
    statuses = [client.post("/auth/2fa", data={"code": "000000"}).status_code for _ in range(5)]
    assert statuses == [200] * 5
    r = client.post("/auth/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 429


def test_an_idle_session_expires(app, client, auth, world):
    auth.login(world.applicant)
    assert client.get("/account/").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)))
        db.session.commit()
    assert client.get("/account/").status_code == 302


def test_a_deactivated_account_loses_its_session(app, client, auth, world):
    auth.login(world.applicant)
    with app.app_context():
        db.session.get(User, world.applicant.id).is_active = False
        db.session.commit()
    assert client.get("/account/").status_code == 302


def test_failed_and_successful_logins_are_audited_without_the_password(app, client):
    uid, name, _ = _make(app)
    _login(client, name, "wrong password here")
    _login(client, name)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_id == uid,
                                                                AuditEvent.object_type == "users"))
        actions = [e.action for e in events]
        details = repr([e.details for e in events])
    assert "login.failed" in actions and "login.succeeded" in actions
    assert PASSWORD not in details and "wrong password" not in details


def test_applicant_may_turn_2fa_off_with_the_password(app, client, auth):
    with app.app_context():
        u = factories.user(Role.APPLICANT, totp=True)
        db.session.commit()
        db.session.refresh(u)
    auth.login(u)
    assert b"wrong" not in client.post("/account/2fa/disable", data={"password": "nope"}).data
    with app.app_context():
        assert db.session.get(User, u.id).totp_enabled
    client.post("/account/2fa/disable", data={"password": PASSWORD})
    with app.app_context():
        assert not db.session.get(User, u.id).totp_enabled


def test_staff_cannot_turn_2fa_off(app, client, auth, world):
    auth.login(world.officer)
    client.post("/account/2fa/disable", data={"password": PASSWORD})
    with app.app_context():
        assert db.session.get(User, world.officer.id).totp_enabled


def test_a_code_from_the_previous_or_next_step_is_accepted_once():
    """Phones' clocks drift: one step either side is accepted, and never twice."""
    import time

    from grants.auth import totp

    secret = pyotp.random_base32()
    now = time.time()
    previous = pyotp.TOTP(secret).at(now - 30)
    step = totp.matching_step(secret, previous, after_step=0, now=now)
    assert step is not None
    assert totp.matching_step(secret, previous, after_step=step, now=now) is None
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(now - 90), 0, now=now) is None
    assert totp.matching_step(secret, "12 34", 0, now=now) is None
