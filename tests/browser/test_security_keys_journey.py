"""A staff member adds a security key and logs in with it, in Chromium with a virtual
authenticator (the DevTools WebAuthn domain): static/webauthn.js, the options the server
puts in the page and the server's checks, end to end.

Browsers refuse an IP address as the key's domain, so this test reaches the portal as
http://localhost (a secure context like 127.0.0.1) and sets the relying party to it.
"""

from __future__ import annotations

from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.browser.conftest import two_step_code


def _log_in(page, username: str, *, with_key: bool) -> None:
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if with_key:
        page.get_by_role("link", name="Use your security key instead").click()
        page.get_by_role("button", name="Use security key").click()
    else:
        page.get_by_label("Six-digit code").fill(two_step_code(username))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_security_key_is_added_and_used_to_log_in(live_app, base_url, chromium,
                                                    monkeypatch, axe, screenshot):
    origin = base_url.replace("127.0.0.1", "localhost")
    monkeypatch.setitem(live_app.config, "WEBAUTHN_RP_ID", "localhost")
    monkeypatch.setitem(live_app.config, "WEBAUTHN_ORIGIN", origin)
    context = chromium.new_context(base_url=origin, locale="en-GB",
                                   viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    try:
        _journey(context, axe, screenshot)
    finally:
        context.close()


def _journey(context, axe, screenshot) -> None:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})["authenticatorId"]

    _log_in(page, "admin", with_key=False)
    page.goto("/account/2fa")
    page.get_by_role("link", name="Manage your security keys").click()
    axe.check(page)
    page.get_by_label("A name for the key").fill("blue key")
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Add security key").click()
    expect(page.get_by_text("The security key is added.")).to_be_visible()
    expect(page.get_by_role("cell", name="blue key")).to_be_visible()
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1

    page.get_by_role("button", name="Log out").click()
    _log_in(page, "admin", with_key=True)
    page.goto("/account/security-keys")
    expect(page.get_by_role("row", name="blue key")).not_to_contain_text("Never")
    screenshot(page)
