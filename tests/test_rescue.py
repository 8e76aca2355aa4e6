"""Nothing typed is lost when a session goes idle or a form's CSRF token expires."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from grants import rescue
from grants.extensions import db
from grants.models import FormRescue, Organisation, UserSession
from grants.models.types import utcnow
from tests.factories import PASSWORD

TYPED = {"name": "Tide Keepers", "kind": "unregistered_group", "country": "PE",
         "contact_details": "Only through the parish radio, after 6pm"}


def _expire_sessions(app):
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()


def test_text_posted_after_the_session_went_idle_comes_back_after_log_in(app, client, auth,
                                                                          world):
    auth.login(world.applicant)
    _expire_sessions(app)
    r = client.post("/orgs/new", data=TYPED)
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/login?next=")
    with app.app_context():
        assert "Tide Keepers" not in {  # not acted on
            o.name for o in db.session.scalars(sa.select(Organisation))}
        rescue = db.session.scalar(sa.select(FormRescue))
        assert rescue.user_id == world.applicant.id
        raw = db.session.execute(sa.text("SELECT payload FROM form_rescues")).scalar_one()
        assert b"parish radio" not in bytes(raw)
    login = client.post(r.headers["Location"].split("?")[0] + "?" + r.headers["Location"]
                        .split("?", 1)[1], data={"username": world.applicant.username,
                                                 "password": PASSWORD,
                                                 "next": _next(r.headers["Location"])})
    page = client.get(login.headers["Location"]).data.decode()
    assert "Only through the parish radio, after 6pm" in page
    assert 'value="Tide Keepers"' in page
    assert "We kept what you typed" in page
    # The rescue is used once.
    assert "parish radio" not in client.get(login.headers["Location"]).data.decode()


def _next(location: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(location).query)["next"][0]


def test_text_posted_with_an_expired_form_token_comes_back(app, client, auth, world):
    auth.login(world.applicant)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post("/orgs/new", data={**TYPED, "csrf_token": "expired.token"})
        assert r.status_code == 302 and "rescued=" in r.headers["Location"]
        page = client.get(r.headers["Location"]).data.decode()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert "parish radio" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None  # a fresh token: sending again works


def test_a_rescue_is_only_for_its_owner(app, client, auth, world):
    auth.login(world.applicant)
    _expire_sessions(app)
    location = client.post("/orgs/new", data=TYPED).headers["Location"]
    auth.login(world.stranger)
    page = client.get(_next(location)).data.decode()
    assert "parish radio" not in page


def test_a_form_that_is_not_rescuable_keeps_nothing(app, client, auth, world):
    auth.login(world.applicant)
    _expire_sessions(app)
    client.post("/account/password", data={"current_password": "x", "password": "y",
                                           "confirm": "y"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormRescue)) == 0


def test_text_kept_on_a_page_before_its_endpoint_was_renamed_still_comes_back(
        app, client, auth, world):
    """Kept before an upgrade under the emergency request's old endpoint name (at most two
    days old), claimed after it on the same page, now rapid.new_request."""
    with app.test_request_context():
        token = rescue.stash(world.applicant.id, "applications.rapid_request",
                             MultiDict([("safe_contact", "Signal after 8pm only")]))
    auth.login(world.applicant)
    page = client.get(f"/applications/rapid/{world.rapid_call.id}?rescued={token}")
    assert "Signal after 8pm only" in page.data.decode()
