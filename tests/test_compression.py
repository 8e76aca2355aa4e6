"""Pages, CSS and JS are gzipped for clients that accept it, and the CSRF token is masked
afresh in every page so compression cannot leak it (BREACH)."""

from __future__ import annotations

import gzip
import re

import pytest

from grants.security import breach

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_pages_are_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/calls/")
    zipped = client.get("/calls/", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    html = gzip.decompress(zipped.data)
    assert html.startswith(b"<!doctype html>") and len(zipped.data) < len(plain.data) / 2


def test_static_css_and_js_are_gzipped(client):
    for path in ("/static/site.css", "/static/quick-exit.js"):
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        raw = client.get(path).data
        assert r.status_code == 200
        assert r.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(r.data) == raw


def test_tiny_responses_and_other_types_are_left_alone(client):
    r = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in r.headers


def test_compression_can_be_left_to_a_proxy(app, client):
    app.config["COMPRESS_RESPONSES"] = False
    try:
        r = client.get("/calls/", headers={"Accept-Encoding": "gzip"})
    finally:
        app.config["COMPRESS_RESPONSES"] = True
    assert "Content-Encoding" not in r.headers


def test_masking_round_trips_and_never_repeats():
    token = "IjA5ZjM0YjI4In0.Zx1.abc-_"
    masked = {breach.mask(token) for _ in range(20)}
    assert len(masked) == 20 and all(token not in m for m in masked)
    assert {breach.unmask(m) for m in masked} == {token}
    assert breach.unmask(token) == token  # an unmasked token passes through
    assert breach.unmask("m1.!!.??") == "m1.!!.??"  # garbage stays garbage


def test_each_page_carries_a_differently_masked_token(client, csrf_on):
    first = TOKEN.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    second = TOKEN.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    assert first.startswith("m1.") and second.startswith("m1.") and first != second
    # The same session's token underneath: its signed value is the same; the timestamp
    # signed with it may differ when the two pages straddle a second.
    assert breach.unmask(first).split(".")[0] == breach.unmask(second).split(".")[0]


def test_a_masked_token_is_accepted_and_a_forged_one_refused(client, world, csrf_on):
    token = TOKEN.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    data = {"username": world.applicant.username, "password": "a long test password"}
    forged = breach.mask("forged.token.value")
    assert client.post("/auth/login", data={**data, "csrf_token": forged}).status_code == 400
    assert client.post("/auth/login", data={**data, "csrf_token": token}).status_code == 302


def test_prefixed_forms_tokens_are_unmasked_too(app, client, auth, world, csrf_on):
    """Pages with several forms prefix them (`bank-csrf_token`): those work masked too."""
    from grants.extensions import db
    from grants.models import Call

    def count() -> int:
        with app.app_context():
            return len(db.session.get(Call, world.draft_call.id).questions)

    before = count()
    auth.login(world.officer)
    url = f"/calls/{world.draft_call.id}/questions"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="bank-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert token.startswith("m1.")
    r = client.post(url, data={"add": "bank", "bank-key": "mission", "bank-csrf_token": token})
    assert r.status_code == 302
    assert count() == before + 1
