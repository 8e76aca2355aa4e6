"""An applicant deletes their own account: nothing of them stays that could name them, the
funder's records stay, and no old cookie brings the session back."""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, AuditEvent, Organisation, User
from grants.security.audit import verify_chain
from tests import factories
from tests.factories import PASSWORD


def _login(client, username, password=PASSWORD):
    return client.post("/auth/login", data={"username": username, "password": password})


def test_an_applicant_deletes_their_account_and_drafts(app, client, world):
    with app.app_context():
        user = db.session.get(User, world.applicant.id)
        username = user.username
        user.email = "me@example.org"
        alone = factories.organisation(user, name="Just me")
        factories.application(world.call, alone, by=user)  # a draft of a group of one
        db.session.commit()
        alone_id = alone.id
    _login(client, username)
    stolen = client.get_cookie("grants_session").value
    assert "Delete your account" in client.get("/account/").data.decode()
    r = client.post("/account/delete", data={"password": "wrong", "confirm": "y"})
    assert r.status_code == 200 and "Your password is not right." in r.data.decode()
    r = client.post("/account/delete", data={"password": PASSWORD})
    assert "Tick the box to confirm." in r.data.decode()
    r = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302 and "storage" in r.headers["Clear-Site-Data"]

    with app.app_context():
        user = db.session.get(User, world.applicant.id)
        assert user.username.startswith("deleted-") and user.email is None
        assert not user.is_active and user.memberships == []
        assert db.session.get(Organisation, alone_id) is None  # never sent anything
        org = db.session.get(Organisation, world.org.id)  # sent applications: the record stays
        assert org is not None and org.memberships == []
        assert db.session.get(Application, world.application.id) is None  # the draft is gone
        assert db.session.get(Application, world.submitted.id) is not None
        assert db.session.scalar(sa.select(AuditEvent.details).where(
            AuditEvent.action == "user.deleted_own_account")) == {"drafts": 2, "groups": 1}
        assert verify_chain() is None  # the audit chain still holds
    client.set_cookie("grants_session", stolen)
    assert client.get("/account/").status_code == 302  # no revival
    assert _login(app.test_client(), username).status_code == 200  # the name is gone


def test_staff_cannot_delete_their_own_account(client, auth, world):
    auth.login(world.officer)
    assert client.post("/account/delete", data={"password": PASSWORD,
                                                "confirm": "y"}).status_code == 403
    assert "Delete your account" not in client.get("/account/").data.decode()


def test_a_quick_exit_cookie_is_not_revived(app, client, world):
    with app.app_context():
        username = db.session.get(User, world.applicant.id).username
    _login(client, username)
    stolen = client.get_cookie("grants_session").value
    client.get("/exit")
    client.set_cookie("grants_session", stolen)
    assert client.get("/account/").status_code == 302
