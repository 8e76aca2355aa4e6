"""An unregistered group applies in Spanish with JavaScript off: it registers under a
pseudonym, starts an application as a new group, saves a draft, logs out, comes back to
it later and sends it. Fields are found by name, so the test reads any language."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import NEWCOMER_PASSWORD, submit


def test_an_unregistered_group_applies_in_spanish_without_javascript(
        new_context, axe, screenshot):
    context = new_context(java_script_enabled=False, locale="es-ES",
                          extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    page = context.new_page()
    page.goto("/auth/register")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("[name=username]").fill("rio-libre-brws")
    page.locator("[name=password]").fill(NEWCOMER_PASSWORD)
    page.locator("[name=confirm]").fill(NEWCOMER_PASSWORD)
    submit(page)
    expect(page.locator("main code, main .code").first).to_be_visible()  # the recovery code
    page.locator("main a.button").click()

    # The call for proposals, in Spanish, and a new application as a new informal group.
    page.goto("/calls/")
    axe_pages = [page.url]
    page.locator("main a[href^='/calls/']").first.click()
    axe_pages.append(page.url)
    page.locator("main a[href^='/applications/new/']").click()
    axe_pages.append(page.url)
    page.locator("[name=name]").fill("Río Libre")
    page.locator("[name=kind][value=unregistered_group]").check()
    page.locator("[name=country]").select_option("CO")
    page.locator("main [name=language]").select_option("es")
    submit(page)

    # Step 1, then a saved draft; the group leaves.
    page.locator("[name=title]").fill("Guardianas del río Atrato")
    page.locator("[name=risk_level][value=medium]").check()
    page.locator("[name=threat_description]").fill("Seguimientos después de la audiencia.")
    page.locator("[name=safe_contact]").fill("Por la organización aliada, entre semana.")
    submit(page, "go", "save")
    expect(page.locator("[role=status]").first).to_be_visible()
    draft_url = page.url
    axe_pages.append(draft_url)
    page.locator("header form[action$='/auth/logout'] button").click()

    # Later, from the same phone: log in, find the draft, everything typed is there.
    page.goto("/auth/login")
    page.locator("[name=username]").fill("rio-libre-brws")
    page.locator("[name=password]").fill(NEWCOMER_PASSWORD)
    submit(page)
    page.goto("/applications/")
    axe_pages.append(page.url)
    page.locator("main a[href*='/step/']").first.click()
    expect(page.locator("[name=title]")).to_have_value("Guardianas del río Atrato")
    expect(page.locator("[name=threat_description]")).to_have_value(
        "Seguimientos después de la audiencia.")
    submit(page, "go", "next")

    # Step 2: the call's questions.
    for box in page.locator("main form textarea").all():
        box.fill("Monitoreamos el río y acompañamos las audiencias públicas.")
    submit(page, "go", "next")
    # Step 3: a budget with its protection and psychosocial lines.
    for i, (category, what, amount) in enumerate([
            ("programme", "Monitoreo comunitario", "8000"),
            ("protection_security", "Transporte seguro", "1500"),
            ("psychosocial", "Cuidado colectivo", "800")]):
        page.locator(f"[name=rows-{i}-category]").select_option(category)
        page.locator(f"[name=rows-{i}-description]").fill(what)
        page.locator(f"[name=rows-{i}-amount]").fill(amount)
    submit(page, "go", "next")
    # Step 4: who they are is optional.
    submit(page, "go", "next")
    # Step 5: check and send.
    axe_pages.append(page.url)
    page.locator("main form[action$='/submit'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/sent$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    screenshot(page)

    # Accessibility of the pages on the way, in a context that runs axe (JavaScript on).
    checker = new_context(locale="es-ES", storage_state=context.storage_state()).new_page()
    for url in [*axe_pages, page.url]:
        checker.goto(url)
        axe.check(checker)
    assert axe.violations == [], axe.report()
