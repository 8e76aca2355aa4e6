"""An intermediary's staff member makes a sub-grant to an informal group known only by a
code, then records that it was paid (beyond what the funder has paid it so far, as an
advance from its own funds, which it must choose); every page passes axe-core."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.browser.steps import log_in_staff


def test_intermediary_makes_a_sub_grant_to_a_coded_group(new_context, axe, screenshot):
    page = new_context().new_page()
    log_in_staff(page, "intermediary")
    page.get_by_role("link", name="Regranting").click()
    axe.check(page)
    page.locator("main table a").first.click()  # the regranting award
    axe.check(page)
    page.get_by_role("link", name="Make a sub-grant").click()
    axe.check(page)

    page.get_by_label("Code for the group").fill("MOV-BRWS-07")
    page.get_by_label("Amount", exact=True).fill("1500")
    page.get_by_label("Country").select_option("UG")
    page.get_by_label("What it is for").select_option("protection_security")
    page.get_by_label("Purpose (optional)").fill("Safe meeting place for a women's land movement")
    page.get_by_role("button", name="Make the sub-grant").click()

    # Back on the pool: the sub-grant is listed by its code.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regranting pool")
    page.get_by_role("link", name="MOV-BRWS-07").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MOV-BRWS-07")
    axe.check(page)
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Amount paid").fill("1500")
    page.get_by_label("Mobile money").check()
    page.get_by_label("Paid on").fill(date.today().isoformat())
    page.get_by_role("button", name="Record the payment").click()
    # The demo pool's received money is all paid out: refused unless declared an advance.
    expect(page.locator("main")).to_contain_text("Wait for the funder's payment")
    expect(page.get_by_label("Amount paid")).to_have_value("1500")  # kept as typed
    page.get_by_label("Record the rest as an advance from our own funds").check()
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("status")).to_contain_text("The payment is recorded.")
    expect(page.locator("main")).to_contain_text("advanced from your own funds")
    axe.check(page)
    screenshot(page)
    assert axe.violations == [], axe.report()
