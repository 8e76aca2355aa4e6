"""A defender files an emergency request in Arabic: the interface is right to left, what
they type (Arabic) keeps its own direction, and the request reaches the officers' queue."""

from __future__ import annotations

from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD


def test_a_defender_files_a_rapid_request_in_arabic(new_context, axe, screenshot):
    # A phone set to English; the defender picks Arabic with the chooser on the page.
    page = new_context().new_page()
    page.goto("/auth/login")
    page.locator("header form.lang select[name=lang]").select_option("ar")
    page.locator("header form.lang button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.locator("[name=username]").fill("applicant")
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.locator("header a[href^='/applications/rapid/']").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    axe.check(page)
    page.locator("[name=category][value=in_country]").check()
    page.locator("[name=what_happened]").fill("داهمت الشرطة مكتبنا وصادرت الحواسيب.")
    page.locator("[name=needs_now]").fill("أجهزة جديدة وتدقيق أمني رقمي.")
    page.locator("[name=currency]").select_option("USD")
    page.locator("[name=line1_category]").select_option("digital_security")
    page.locator("[name=line1_description]").fill("حاسوبان محمولان مشفران")
    page.locator("[name=line1_amount]").fill("2400")
    page.locator("[name=safe_contact]").fill("سيغنال، بعد السادسة مساءً")
    page.locator("[name=written_in]").fill("العربية")
    page.locator("main form button[type=submit]").last.click()

    # The request is sent: a reference, still right to left, and nothing lost.
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("main")).to_contain_text("GR-")
    axe.check(page)
    screenshot(page)
    # The page lays out from the right: the heading starts near the right edge.
    box = page.locator("main h1").bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] + box["width"] > width * 0.8
    assert axe.violations == [], axe.report()
