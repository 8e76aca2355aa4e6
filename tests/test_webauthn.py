"""Security keys, verified for real: a software authenticator (an EC P-256 key) builds the
clientDataJSON, authenticatorData and a "none" attestation the browser would send, and the
server's own code checks them."""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets

import cbor2
import pyotp
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from grants.extensions import db
from grants.models import AuditEvent, Role, WebAuthnCredential
from tests import factories
from tests.access import own_scripts_only
from tests.factories import PASSWORD

RP_ID = "portal.example"
ORIGIN = "https://portal.example"


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    """A security key in software: one credential, a signature counter."""

    def __init__(self, sign_count: int = 0):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = sign_count

    def _cose(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, rp_id: str, attested: bool) -> bytes:
        flags = 0x01 | 0x04 | (0x40 if attested else 0)  # user present, verified, key data
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
        data += self.sign_count.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big")
            data += self.credential_id + self._cose()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                           "crossOrigin": False}).encode()

    def create(self, challenge: str, origin: str = ORIGIN, rp_id: str = RP_ID) -> str:
        """The answer to navigator.credentials.create(), as webauthn.js sends it."""
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {},
                                   "authData": self._auth_data(rp_id, attested=True)})
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(self._client_data(
                "webauthn.create", challenge, origin)),
                "attestationObject": b64url(attestation), "transports": ["usb", "nfc"]}})

    def get(self, challenge: str, origin: str = ORIGIN, rp_id: str = RP_ID,
            sign_count: int | None = None) -> str:
        """The answer to navigator.credentials.get(): the counter goes up by one."""
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        auth_data = self._auth_data(rp_id, attested=False)
        client_data = self._client_data("webauthn.get", challenge, origin)
        signature = self.private.sign(auth_data + hashlib.sha256(client_data).digest(),
                                      ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "clientExtensionResults": {},
            "response": {"clientDataJSON": b64url(client_data),
                         "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": None}})


@pytest.fixture(autouse=True)
def _relying_party(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBAUTHN_RP_ID", RP_ID)
    monkeypatch.setitem(app.config, "WEBAUTHN_ORIGIN", ORIGIN)


def _options(page: bytes) -> dict:
    found = re.search(r'data-options="([^"]*)"', page.decode())
    assert found, "the page offers no WebAuthn options"
    return json.loads(html.unescape(found.group(1)))


def _user(app, role=Role.OFFICER, **kw):
    with app.app_context():
        u = factories.user(role, **kw)
        db.session.commit()
        db.session.refresh(u)
        return u


def _add_key(client, key: SoftKey, name="blue key", password=PASSWORD, **kw):
    options = _options(client.get("/account/security-keys").data)
    return client.post("/account/security-keys", data={
        "name": name, "password": password, "credential": key.create(options["challenge"], **kw)})


def _keys(app, user) -> list[WebAuthnCredential]:
    with app.app_context():
        return list(db.session.scalars(sa.select(WebAuthnCredential).where(
            WebAuthnCredential.user_id == user.id)))


def _start_login(client, user):
    r = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert r.headers["Location"] == "/auth/2fa"


def _key_login(client, key: SoftKey, **kw):
    options = _options(client.get("/auth/2fa/key").data)
    return client.post("/auth/2fa/key", data={"credential": key.get(options["challenge"], **kw)})


def _actions(app, user) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "users", AuditEvent.object_id == user.id)
            .order_by(AuditEvent.id)))


def test_a_key_is_added_then_used_at_log_in_instead_of_the_code(app, client, auth):
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    page = client.get("/account/security-keys")
    options = _options(page.data)
    assert options["rp"]["id"] == RP_ID and options["authenticatorSelection"][
        "userVerification"] == "preferred"
    assert own_scripts_only(page.get_data(as_text=True)) and b"/static/webauthn.js" in page.data
    assert b"cannot use security keys" in page.data and b"<noscript>" in page.data
    r = _add_key(client, key)
    assert r.status_code == 302, r.data
    [stored] = _keys(app, officer)
    assert (stored.name, stored.credential_id, stored.sign_count) == (
        "blue key", key.credential_id, 0)
    assert stored.transports == ["usb", "nfc"]
    assert "user.security_key_added" in _actions(app, officer)

    other = app.test_client()
    _start_login(other, officer)
    assert b"/auth/2fa/key" in other.get("/auth/2fa").data  # offered next to the code
    assert other.get("/account/").status_code == 302
    r = _key_login(other, key)
    assert r.status_code == 302 and other.get("/account/").status_code == 200
    [used] = _keys(app, officer)
    assert used.sign_count == 1 and used.last_used_at is not None
    assert _actions(app, officer)[-2:] == ["login.security_key_used", "login.succeeded"]
    # Session revival rules still hold: after log-out the old cookie opens nothing.
    cookie = other.get_cookie("grants_session").value
    other.post("/auth/logout")
    other.set_cookie("grants_session", cookie)
    assert other.get("/account/").status_code == 302


def test_the_code_path_stays_for_a_user_with_a_key(app, client, auth):
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    _add_key(client, key)
    other = app.test_client()
    _start_login(other, officer)
    code = pyotp.TOTP(officer.totp_secret).now()
    assert other.post("/auth/2fa", data={"code": code}).status_code == 302
    assert other.get("/account/").status_code == 200


def test_a_wrong_challenge_or_origin_is_refused(app, client, auth):
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    client.get("/account/security-keys")
    wrong = b64url(secrets.token_bytes(32))
    r = client.post("/account/security-keys", data={"name": "k", "password": PASSWORD,
                                                    "credential": key.create(wrong)})
    assert r.status_code == 200 and b"could not be added" in r.data
    # The refused answer is not in the page again (webauthn.js would resend it unasked).
    assert re.search(r'name="credential" type="hidden" value=""', r.data.decode())
    r = _add_key(client, key, origin="https://portal.example.evil")
    assert r.status_code == 200 and b"could not be added" in r.data
    r = _add_key(client, key, rp_id="evil.example")
    assert r.status_code == 200 and b"could not be added" in r.data
    assert _keys(app, officer) == []
    assert _add_key(client, key).status_code == 302

    other = app.test_client()
    _start_login(other, officer)
    other.get("/auth/2fa/key")
    r = other.post("/auth/2fa/key", data={"credential": key.get(wrong)})
    assert b"was not accepted" in r.data
    assert re.search(r'name="credential" type="hidden" value=""', r.data.decode())
    r = _key_login(other, key, origin="https://evil.example")
    assert b"was not accepted" in r.data
    assert other.get("/account/").status_code == 302
    assert _actions(app, officer).count("login.security_key_failed") == 2


def test_a_challenge_is_used_once(app, client, auth):
    officer, first, second = _user(app), SoftKey(), SoftKey()
    auth.login(officer)
    challenge = _options(client.get("/account/security-keys").data)["challenge"]
    with client.session_transaction() as s:
        issued = dict(s["webauthn"])
    r = client.post("/account/security-keys", data={
        "name": "a", "password": PASSWORD, "credential": first.create(challenge)})
    assert r.status_code == 302
    with client.session_transaction() as s:  # the old cookie, sent again
        s["webauthn"] = issued
    r = client.post("/account/security-keys", data={"name": "b", "password": PASSWORD,
                                                    "credential": second.create(challenge)})
    assert r.status_code == 200 and b"already used" in r.data
    assert [k.name for k in _keys(app, officer)] == ["a"]

    other = app.test_client()
    _start_login(other, officer)
    challenge = _options(other.get("/auth/2fa/key").data)["challenge"]
    with other.session_transaction() as s:
        issued, pending = dict(s["webauthn"]), dict(s["pending"])
    answer = first.get(challenge, sign_count=0)  # keys that keep no counter send 0
    assert other.post("/auth/2fa/key", data={"credential": answer}).status_code == 302
    thief = app.test_client()  # replays the whole exchange: cookie and answer
    with thief.session_transaction() as s:
        s["webauthn"], s["pending"] = issued, pending
    r = thief.post("/auth/2fa/key", data={"credential": answer})
    assert r.status_code == 200 and thief.get("/account/").status_code == 302


def test_a_signature_counter_that_goes_back_is_refused(app, client, auth):
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    _add_key(client, key)
    other = app.test_client()
    _start_login(other, officer)
    assert _key_login(other, key, sign_count=5).status_code == 302
    cloned = app.test_client()
    _start_login(cloned, officer)
    r = _key_login(cloned, key, sign_count=3)
    assert b"was not accepted" in r.data and cloned.get("/account/").status_code == 302
    assert _keys(app, officer)[0].sign_count == 5


def test_someone_elses_key_opens_nothing(app, client, auth):
    officer, admin, key = _user(app), _user(app, Role.ADMIN), SoftKey()
    auth.login(admin)
    _add_key(client, key, name="yellow key")
    other = app.test_client()
    _start_login(other, officer)
    # The officer's log-in is offered no key page (no keys), and a forged post fails.
    assert other.get("/auth/2fa/key").headers["Location"] == "/auth/2fa"
    auth2 = app.test_client()
    from tests.conftest import Auth

    Auth(app, auth2).login(officer)
    _add_key(auth2, SoftKey(), name="mine")
    r = _key_login(other, key)
    assert b"was not accepted" in r.data and other.get("/account/").status_code == 302
    # Nor can the officer see or remove the admin's key.
    admin_key = _keys(app, admin)[0]
    assert b"yellow key" in client.get("/account/security-keys").data
    assert b"yellow key" not in auth2.get("/account/security-keys").data
    r = auth2.post(f"/account/security-keys/{admin_key.id}/remove", data={"password": PASSWORD})
    assert r.status_code == 404 and len(_keys(app, admin)) == 1


def test_a_removed_key_is_refused_and_removing_needs_the_password(app, client, auth):
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    _add_key(client, key)
    [stored] = _keys(app, officer)
    r = client.post(f"/account/security-keys/{stored.id}/remove", data={"password": "wrong"},
                    follow_redirects=True)
    assert b"password is not right" in r.data and len(_keys(app, officer)) == 1
    r = client.post(f"/account/security-keys/{stored.id}/remove", data={"password": PASSWORD})
    assert r.status_code == 302 and _keys(app, officer) == []
    assert "user.security_key_removed" in _actions(app, officer)
    other = app.test_client()
    _start_login(other, officer)
    assert other.get("/auth/2fa/key").headers["Location"] == "/auth/2fa"
    with other.session_transaction() as s:
        s["webauthn"] = {"p": "login", "uid": officer.id, "at": 1e12, "c": b64url(b"x" * 32)}
    r = other.post("/auth/2fa/key", data={"credential": key.get(b64url(b"x" * 32))})
    assert r.status_code == 302 and r.headers["Location"] == "/auth/2fa"
    assert other.get("/account/").status_code == 302


def test_key_attempts_count_with_the_codes_toward_the_limit(app, client, auth):
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    _add_key(client, key)
    other = app.test_client()
    _start_login(other, officer)
    for _ in range(4):
        assert other.post("/auth/2fa", data={"code": "000000"}).status_code == 200
    wrong = b64url(secrets.token_bytes(32))
    other.get("/auth/2fa/key")
    assert other.post("/auth/2fa/key", data={"credential": key.get(wrong)}).status_code == 200
    assert _key_login(other, key).status_code == 429
    assert other.get("/account/").status_code == 302


def test_without_an_answer_the_page_explains_and_offers_the_code(app, client, auth):
    officer = _user(app)
    auth.login(officer)
    r = client.post("/account/security-keys", data={"name": "k", "password": PASSWORD,
                                                    "credential": ""})
    assert r.status_code == 200 and b"need JavaScript" in r.data
    _add_key(client, SoftKey())
    other = app.test_client()
    _start_login(other, officer)
    r = other.post("/auth/2fa/key", data={"credential": ""})
    assert b"need JavaScript" in r.data and b'href="/auth/2fa"' in r.data


def test_staff_are_prompted_and_keys_wait_for_the_app(app, client, auth):
    officer = _user(app)
    auth.login(officer)
    page = client.get("/account/2fa").data
    assert b"please add a security key as well" in page and b"/account/security-keys" in page
    applicant = _user(app, Role.APPLICANT)
    other = app.test_client()
    from tests.conftest import Auth

    Auth(app, other).login(applicant)
    page = other.get("/account/security-keys").data
    assert b"First turn on two-step verification" in page and b"data-options" not in page


def test_the_relying_party_comes_from_the_portal_address(app, monkeypatch):
    from grants.auth import webauthn

    monkeypatch.setitem(app.config, "WEBAUTHN_RP_ID", None)
    monkeypatch.setitem(app.config, "WEBAUTHN_ORIGIN", None)
    monkeypatch.setitem(app.config, "PORTAL_URL", "https://grants.example.org/portal/")
    with app.app_context():
        rp = webauthn.relying_party()
        assert (rp.id, rp.origin, rp.name) == ("grants.example.org",
                                               "https://grants.example.org", "Grants portal")
        monkeypatch.setitem(app.config, "PORTAL_URL", None)
        assert webauthn.relying_party() is None


def test_an_admin_reset_of_two_step_verification_removes_the_keys(app, client, auth):
    """A reset is for a lost phone or key: no old key may work again once the person
    enrols a new app."""
    from grants.auth import services
    from grants.models import User

    officer, admin = _user(app), _user(app, Role.ADMIN)
    auth.login(officer)
    assert _add_key(client, SoftKey()).status_code == 302
    assert len(_keys(app, officer)) == 1
    with app.app_context():
        services.reset_second_factor(db.session.get(User, admin.id),
                                     db.session.get(User, officer.id))
        db.session.commit()
    assert _keys(app, officer) == []


def test_adding_a_key_asks_for_the_password(app, client, auth):
    # Someone at an unlocked, logged-in browser must not add a key of their own: it would
    # let them past the second step later.
    officer, key = _user(app), SoftKey()
    auth.login(officer)
    r = _add_key(client, key, password="not the password")
    assert r.status_code == 200 and b"Your password is not right." in r.data
    assert b'value="blue key"' in r.data  # the name typed is kept
    r = _add_key(client, key, password="")
    assert r.status_code == 200 and _keys(app, officer) == []
    assert "user.security_key_added" not in _actions(app, officer)
    assert _add_key(client, key).status_code == 302
    assert [k.name for k in _keys(app, officer)] == ["blue key"]
