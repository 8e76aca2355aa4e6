"""Steps the browser journeys share: a demo staff member logs in with two-step
verification, a newcomer registers with a strong password, a page's form is sent.
"""

from __future__ import annotations

from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.browser.conftest import two_step_code

NEWCOMER_PASSWORD = "río claro y montaña 2026"  # a group registering in a journey


def log_in_staff(page, username: str) -> None:
    """A demo staff account logs in: its password, then a two-step code the server takes."""
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Six-digit code").fill(two_step_code(username))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def submit(page, name: str | None = None, value: str | None = None) -> None:
    """Sends the page's form: by its last button, or by the button of that name and value."""
    selector = "main form button[type=submit]"
    if name:
        selector += f"[name={name}][value={value}]"
    page.locator(selector).last.click() if not name else page.locator(selector).click()
