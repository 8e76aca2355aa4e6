"""Quick exit in Chromium: a group member leaves in a hurry, and the cookies the browser
held a moment before (as someone taking the phone could have copied them) open nothing.

Each way out (the link with JavaScript on, the link with it off, Escape three times) is
taken with the language chosen in the language menu (a cookie) and with the account's
language; the cookies saved before the exit are then replayed in a fresh browser context.
The neutral site the exit leaves for is answered locally where Chromium lets the route
catch it (no outside network here); the test waits for the portal's answer, not that site.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PASSWORD = "salida rápida y segura 2026"
NEUTRAL = re.compile(r"^https://www\.wikipedia\.org/")  # config.py's QUICK_EXIT_URL
WAYS = ("link with javascript", "link without javascript", "escape three times")


def _register(page, username: str, language: str | None) -> None:
    page.goto("/auth/register")
    page.locator("[name=username]").fill(username)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=confirm]").fill(PASSWORD)
    if language:
        page.locator("main [name=language]").select_option(language)
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main a.button")).to_be_visible()  # the recovery code's page


def _choose_spanish(page) -> None:
    page.locator("header form.lang select[name=lang]").select_option("es")
    page.locator("header form.lang button[type=submit]").click()


def _leave(page, way: str) -> None:
    """Take the way out; the portal's answer sends the browser on to the neutral site."""
    with page.expect_response(re.compile(r"/exit$")) as exit_response:
        if way == "escape three times":
            page.locator("main").click(position={"x": 1, "y": 1})
            for _ in range(3):
                page.keyboard.press("Escape")
        else:
            page.locator("a.quick-exit").click()
    response = exit_response.value
    assert response.status == 303 and NEUTRAL.match(response.headers["location"])


@pytest.mark.parametrize("source", ["cookie", "account"])
@pytest.mark.parametrize("way", WAYS)
def test_the_cookies_saved_before_a_quick_exit_open_nothing(new_context, screenshot,
                                                            way, source):
    context = new_context(java_script_enabled=way != "link without javascript")
    context.route(NEUTRAL, lambda route: route.fulfill(
        status=200, content_type="text/html", body="<title>Wikipedia</title>"))
    page = context.new_page()
    username = re.sub(r"\W+", "-", f"exit-{source}-{way}")[:30]
    _register(page, username, "es" if source == "account" else None)
    page.goto("/applications/")
    if source == "cookie":
        _choose_spanish(page)
    expect(page).to_have_url(re.compile(r"/applications/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    saved = context.cookies()
    assert any(c["name"] == "lang" for c in saved) == (source == "cookie")

    _leave(page, way)

    fresh = new_context()
    fresh.add_cookies(saved)
    again = fresh.new_page()
    again.goto("/applications/")
    expect(again).to_have_url(re.compile(r"/auth/login"))
    screenshot(again)
