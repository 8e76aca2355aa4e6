"""Quick exit (and logging out) end the session on the server, wherever the language came from.

The page's language is chosen from the chooser's cookie, else the account, else the
browser. When the cookie decided it, nothing in the request had loaded the signed-in user
before the exit, and the exit ended no session on the server: cookies saved before it
still opened the group's applications. Each case saves the cookies, exits, and replays
them in a new client.
"""

from __future__ import annotations

import pytest

from grants.extensions import db
from grants.models import User

SOURCES = ("cookie", "account", "browser")
EXITS = {"quick exit": ("GET", "/exit"), "log out": ("POST", "/auth/logout")}


def _signed_in(app, auth, client, user, source: str) -> dict:
    """Sign in with Spanish coming from `source`; the request headers to send along."""
    with app.app_context():
        u = db.session.get(User, user.id)
        u.preferred_language = "es" if source == "account" else ""
        db.session.commit()
    auth.login(user)
    if source == "cookie":
        client.set_cookie("lang", "es")
    return {"Accept-Language": "es" if source == "browser" else "en"}


def _saved(client) -> dict:
    """Every cookie the browser holds (as tests/test_fuzz.py's Poster keeps them)."""
    return dict(client._cookies)


@pytest.mark.parametrize("way", EXITS)
@pytest.mark.parametrize("source", SOURCES)
def test_cookies_saved_before_the_exit_open_nothing_after_it(app, client, auth, world,
                                                             source, way):
    headers = _signed_in(app, auth, client, world.applicant, source)
    page = client.get("/applications/", headers=headers)
    assert page.status_code == 200
    assert '<html lang="es"' in page.get_data(as_text=True)  # the language came from `source`
    saved = _saved(client)
    assert app.config["SESSION_COOKIE_NAME"] in {name for _d, _p, name in saved}
    method, url = EXITS[way]
    assert client.open(url, method=method, headers=headers).status_code in (302, 303)

    replay = app.test_client()
    replay._cookies.update(saved)
    response = replay.get("/applications/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
