"""An emergency request in one visit: a defender with no account, on a 320 px
phone set to Arabic, follows the public emergency link and files on that one page, which
says why it asks for a name and a password and makes the account with the request. A
mistake keeps what was typed; the recovery code is shown once; the request's page follows,
in Arabic. Every page fits the screen and passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_fits

THREAT = "اقتحم رجال مجهولون منزلي وهددوا عائلتي."
PASSWORD = "نهر هادئ يجري بعيدا"


def _check(page, axe) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert_fits(page)
    axe.check(page)


def test_a_defender_without_an_account_files_an_emergency_request_in_arabic_in_one_visit(
        new_context, axe, screenshot):
    page = new_context(locale="ar", viewport={"width": 320, "height": 640}).new_page()
    page.goto("/")
    _check(page, axe)
    page.locator("header a[href^='/applications/rapid/']").click()

    # The request's own page, not a log-in: it says why it asks for an account.
    expect(page).to_have_url(re.compile(r"/applications/rapid/\d+$"))
    expect(page.locator("main fieldset legend").first).to_have_text("حسابك، لقراءة ردّنا")
    expect(page.locator("main")).to_contain_text("لا بريد إلكتروني ولا اسم حقيقي")
    expect(page.locator("[name=email]")).to_have_count(0)
    _check(page, axe)
    page.locator("[name=username]").fill("نور الهدى")
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=confirm]").fill(PASSWORD + " خطأ")  # a slip of the thumb
    page.locator("[name=country]").select_option("SD")
    page.locator("[name=category][value=in_country]").check()
    page.locator("[name=what_happened]").fill(THREAT)
    page.locator("[name=needs_now]").fill("أقفال جديدة وهاتف آمن.")
    page.locator("[name=line1_category]").select_option("protection_security")
    page.locator("[name=line1_description]").fill("أقفال وكاميرا")
    page.locator("[name=line1_amount]").fill("900")
    page.locator("[name=safe_contact]").fill("سيغنال، بعد السادسة مساءً")
    page.locator("[name=written_in]").fill("العربية")
    page.locator("main form button[type=submit]").last.click()

    # Said plainly; everything typed is kept but the passwords.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("[name=what_happened]")).to_have_value(THREAT)
    expect(page.locator("[name=username]")).to_have_value("نور الهدى")
    expect(page.locator("[name=country]")).to_have_value("SD")
    expect(page.locator("[name=password]")).to_have_value("")
    _check(page, axe)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=confirm]").fill(PASSWORD)
    page.locator("main form button[type=submit]").last.click()

    # The recovery code, once, then the request.
    code = page.locator("main p.code")
    expect(code).to_be_visible()
    assert len(code.inner_text().strip()) >= 16
    expect(page.locator("main")).to_contain_text("ساعة")  # "we answer within N hours"
    _check(page, axe)
    page.locator("main a.button").click()

    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(page.locator("main")).to_contain_text("GR-")
    expect(page.locator("main")).to_contain_text(THREAT)  # their own words, theirs to read
    _check(page, axe)
    screenshot(page)
    assert axe.violations == [], axe.report()
