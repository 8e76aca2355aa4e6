"""Administration: accounts and roles, 2FA resets, ending sessions, the audit chain."""

from __future__ import annotations

import re

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, Role, User
from grants.security import audit


def test_admin_creates_a_staff_account_shown_once(app, client, auth, world):
    auth.login(world.admin)
    r = client.post("/admin/users/new", data={"username": "new-officer", "role": "officer"})
    assert r.status_code == 200
    page = r.data.decode()
    code = re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}", page)
    assert code is not None
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "new-officer"))
        assert user.role == Role.OFFICER and not user.totp_enabled


def test_admin_changes_a_role_and_the_users_sessions_end(app, client, auth, world):
    victim = app.test_client()
    from tests.conftest import Auth

    Auth(app, victim).login(world.target)
    assert victim.get("/account/").status_code == 200
    auth.login(world.admin)
    r = client.post(f"/admin/users/{world.target.id}", data={"role": "reviewer", "active": "y"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(User, world.target.id).role == Role.REVIEWER
    assert victim.get("/account/").status_code == 302


def test_admin_cannot_demote_themself(app, client, auth, world):
    auth.login(world.admin)
    r = client.post(f"/admin/users/{world.admin.id}", data={"role": "applicant", "active": "y"})
    assert b"cannot change your own role" in r.data
    with app.app_context():
        assert db.session.get(User, world.admin.id).role == Role.ADMIN


def test_admin_resets_a_lost_authenticator(app, client, auth, world):
    auth.login(world.admin)
    client.post(f"/admin/users/{world.officer.id}/reset-2fa")
    with app.app_context():
        officer = db.session.get(User, world.officer.id)
        assert not officer.totp_enabled and officer.totp_secret is None


def test_admin_ends_every_session_of_a_user(app, client, auth, world):
    from tests.conftest import Auth

    victim = app.test_client()
    Auth(app, victim).login(world.target)
    auth.login(world.admin)
    client.post(f"/admin/users/{world.target.id}/end-sessions")
    assert victim.get("/account/").status_code == 302


def test_audit_chain_verifies_and_names_the_first_tampered_entry(app, client, auth, world):
    with app.app_context():
        ids = [audit.record(None, "test.event", None, n=n).id for n in range(3)]
        db.session.commit()
        assert audit.verify_chain() is None
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == ids[1])
                           .values(details={"n": 99}))
        db.session.commit()
        assert audit.verify_chain().id == ids[1]
    auth.login(world.admin)
    page = client.get("/admin/audit?verify=1").data.decode()
    assert f"#{ids[1]}" in page


def test_deleting_an_audit_entry_breaks_the_chain(app):
    with app.app_context():
        ids = [audit.record(None, "test.event", None, n=n).id for n in range(3)]
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == ids[1]))
        assert audit.verify_chain().id == ids[2]


def test_user_search(client, auth, world):
    auth.login(world.admin)
    page = client.get(f"/admin/users?q={world.officer.username}").data.decode()
    assert world.officer.username in page and world.reviewer.username not in page
