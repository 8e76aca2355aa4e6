"""An officer logs in with two-step verification, reviews a sent application and approves
a two-year core award; every page on the way passes axe-core (no serious or critical)."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.browser.conftest import CORE_CODE, two_step_code


def log_in_staff(page, username: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Six-digit code").fill(two_step_code(username))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_officer_approves_a_two_year_core_award(new_context, axe, screenshot):
    page = new_context().new_page()
    log_in_staff(page, "officer")
    axe.check(page)

    page.get_by_role("link", name="Review", exact=True).click()
    axe.check(page)
    page.get_by_role("link", name=CORE_CODE).click()
    axe.check(page)
    # The officer takes the application on, then reads it.
    page.get_by_label("Programme officer").select_option(label="officer")
    page.get_by_role("button", name="Assign the officer").click()
    expect(page.get_by_text("Being reviewed")).to_be_visible()
    page.get_by_role("link", name="Read the application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Land defenders' network")
    axe.check(page)
    page.go_back()

    page.get_by_role("link", name="Decide").click()
    axe.check(page)
    page.get_by_label("Amount").fill("18000")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Start date").fill(date.today().replace(day=1).isoformat())
    page.get_by_label("Duration in years").fill("2")
    page.get_by_label(re.compile("^Core support")).check()
    page.get_by_role("button", name="Approve").click()

    # The terms as understood, before anything is decided: 18,000 is far from the 40,000
    # asked for, so the officer ticks that it is meant.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the terms")
    expect(page.get_by_text("€18,000.00").first).to_be_visible()
    axe.check(page)
    page.get_by_label("Yes, approve this amount").check()
    page.get_by_role("button", name="Approve on these terms").click()

    # The award page: two yearly tranches of 9,000 and a report gating the second.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Award")
    expect(page.get_by_text("Core support").first).to_be_visible()
    expect(page.get_by_text("€9,000.00").first).to_be_visible()
    axe.check(page)
    screenshot(page)
    assert axe.violations == [], axe.report()
