"""A group in Spanish on a small phone with JavaScript off types its budget the way Spanish
is written ("1.500", "2.000") and sees it understood as 1.500,00 and 2.000,00
on the budget step and on the check before sending. Fields are found by name."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.steps import NEWCOMER_PASSWORD, submit


def test_a_spanish_group_sees_its_budget_as_understood_before_sending(new_context, screenshot):
    context = new_context(java_script_enabled=False, locale="es-ES",
                          viewport={"width": 360, "height": 640},
                          extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    page = context.new_page()
    page.goto("/auth/register")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("[name=username]").fill("montes-de-maria-brws")
    page.locator("[name=password]").fill(NEWCOMER_PASSWORD)
    page.locator("[name=confirm]").fill(NEWCOMER_PASSWORD)
    submit(page)
    page.locator("main a.button").click()

    page.goto("/calls/")
    page.locator("main a[href^='/calls/']").first.click()
    page.locator("main a[href^='/applications/new/']").click()
    page.locator("[name=name]").fill("Montes de María")
    page.locator("[name=kind][value=unregistered_group]").check()
    page.locator("[name=country]").select_option("CO")
    page.locator("main [name=language]").select_option("es")
    submit(page)
    page.locator("[name=title]").fill("Guardianes de los Montes")
    page.locator("[name=risk_level][value=medium]").check()
    submit(page, "go", "next")
    for box in page.locator("main form textarea").all():
        box.fill("Acompañamos a las familias que vuelven a sus tierras.")
    submit(page, "go", "next")

    # The budget, typed as Spanish is written: "." groups thousands.
    for i, (category, what, amount) in enumerate([
            ("protection_security", "Transporte seguro", "1.500"),
            ("psychosocial", "Cuidado colectivo", "2.000")]):
        page.locator(f"[name=rows-{i}-category]").select_option(category)
        page.locator(f"[name=rows-{i}-description]").fill(what)
        page.locator(f"[name=rows-{i}-amount]").fill(amount)
    submit(page, "go", "save")
    # Each line as understood, beside what was typed; and the total.
    understood = page.locator("main .understood")
    expect(understood.nth(0)).to_contain_text("1.500,00")
    expect(understood.nth(1)).to_contain_text("2.000,00")
    expect(page.locator("main")).to_contain_text("3.500,00")
    expect(page.locator("[name=rows-0-amount]")).to_have_value("1500,00")  # reads back
    submit(page, "go", "next")
    submit(page, "go", "next")  # who they are is optional

    # The check before sending shows the budget as understood.
    budget = page.locator("main table").filter(has_text="Transporte seguro")
    expect(budget).to_contain_text("1.500,00")
    expect(budget).to_contain_text("2.000,00")
    screenshot(page)
    page.locator("main form[action$='/submit'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
