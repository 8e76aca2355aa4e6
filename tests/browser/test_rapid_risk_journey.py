"""An emergency request is protected by default: a defender files it in
Arabic on a small phone with JavaScript off, leaving the danger question at its safe
answer; the officer must say why before the threats show, and the page says so."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.browser.steps import log_in_staff

THREAT = "هددونا بالاعتقال إذا نشرنا التقرير."
CONTACT = "سيغنال، بعد الثامنة مساءً فقط"


def _file_in_arabic(context) -> str:
    page = context.new_page()
    page.goto("/auth/login")
    page.locator("header form.lang select[name=lang]").select_option("ar")
    page.locator("header form.lang button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("[name=username]").fill("applicant")
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("header a[href^='/applications/rapid/']").click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    # The danger question is asked plainly, its safest answer already chosen.
    expect(page.locator("[name=risk_level][value=high]")).to_be_checked()
    expect(page.locator("[name=risk_level][value=low]")).not_to_be_checked()
    page.locator("[name=category][value=in_country]").check()
    page.locator("[name=what_happened]").fill(THREAT)
    page.locator("[name=needs_now]").fill("هاتف آمن ومحامٍ.")
    page.locator("[name=line1_category]").select_option("protection_security")
    page.locator("[name=line1_description]").fill("هاتف آمن")
    page.locator("[name=line1_amount]").fill("600")
    page.locator("[name=safe_contact]").fill(CONTACT)
    page.locator("[name=written_in]").fill("العربية")
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    return page.url.rsplit("/", 1)[1]


def test_an_arabic_emergency_request_is_hidden_until_the_officer_reveals_it(
        new_context, axe, screenshot):
    phone = new_context(java_script_enabled=False, locale="ar",
                        viewport={"width": 360, "height": 640})
    application_id = _file_in_arabic(phone)

    officer = new_context().new_page()
    log_in_staff(officer, "officer2")  # "officer" logs in in another journey: no code reuse
    officer.goto("/review/")
    expect(officer.locator(f"main a[href='/review/applications/{application_id}/rapid']")
           ).to_be_visible()
    officer.goto(f"/review/applications/{application_id}/rapid")
    main = officer.locator("main")
    expect(main).to_contain_text("Sensitive details are hidden")
    expect(main).not_to_contain_text(THREAT)
    expect(main).not_to_contain_text(CONTACT)
    axe.check(officer)
    officer.get_by_label("To assess or decide on the request").check()
    officer.get_by_role("button", name="Show the sensitive details").click()
    expect(officer).to_have_url(re.compile(rf"/review/applications/{application_id}/rapid$"))
    expect(main).to_contain_text(THREAT)
    expect(main).to_contain_text(CONTACT)
    expect(officer.locator("dd", has_text=THREAT)).to_have_attribute("dir", "auto")
    axe.check(officer)
    screenshot(officer)

    # The defender's pages pass axe too (checked where JavaScript runs).
    checker = new_context(locale="ar", viewport={"width": 360, "height": 640},
                          storage_state=phone.storage_state()).new_page()
    checker.goto(f"/applications/{application_id}")
    axe.check(checker)
    checker.locator("header a[href^='/applications/rapid/']").click()
    expect(checker.locator("[name=risk_level][value=high]")).to_be_checked()
    axe.check(checker)
    assert axe.violations == [], axe.report()
