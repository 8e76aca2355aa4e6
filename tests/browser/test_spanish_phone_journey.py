"""A group on a 320 px phone, in Spanish, with JavaScript off, from the call list to a sent
application: Apply sends it to log in, it registers there and, past its recovery
code, comes back to the call's form; it adds its group with all its details and comes back
again (item 5); it changes the language mid-form and keeps what it typed; it writes its
amounts the Spanish way ("1.500"). An officer then asks a question on the application and
the group logs back in and answers it.

Every page on the way must be no wider than the screen (WCAG 1.4.10 Reflow) and pass
axe-core (no serious or critical violation). Fields are found by name, so the test reads
any language."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits

OFFICER = "oficial-es-brws"

PASSWORD = "la montaña y el río 2026"
USER = "tejedoras-brws"
PHONE = {"width": 320, "height": 640}


class Journey:
    """The pages a journey passes: each checked for width as it is reached, and listed for
    axe (GET pages are checked again in a context that runs axe, as JavaScript is off)."""

    def __init__(self):
        self.too_wide: list[str] = []
        self.for_axe: list[str] = []

    def passed(self, page, *, revisit: bool = True) -> None:
        page.wait_for_load_state()
        try:
            assert_fits(page)
        except AssertionError as exc:  # gathered, so one run names every page too wide
            self.too_wide.append(str(exc))
        if revisit and page.url not in self.for_axe:
            self.for_axe.append(page.url)


def _send(page, name: str | None = None, value: str | None = None) -> None:
    if name:
        page.locator(f"main form button[type=submit][name={name}][value={value}]").click()
    else:
        page.locator("main form button[type=submit]").last.click()


def _change_language(page, code: str) -> None:
    page.locator("header select[name=lang]").select_option(code)
    page.locator("header button[name=change_language]").click()


@pytest.fixture
def officer_secret(live_app) -> str:
    """An officer of this journey's own: a two-step code is accepted once only, and the
    demo officers log in in other journeys within the same 30 seconds."""
    from grants.extensions import db
    from grants.models import Role
    from tests import factories

    with live_app.app_context():
        secret = factories.user(Role.OFFICER, username=OFFICER, password=PASSWORD).totp_secret
        db.session.commit()
    return secret


def _log_in_officer(page, secret: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("User name").fill(OFFICER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_group_on_a_spanish_phone_applies_and_answers_a_question(
        new_context, axe, screenshot, officer_secret):
    context = new_context(java_script_enabled=False, locale="es-ES", viewport=PHONE,
                          extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    page = context.new_page()
    trip = Journey()

    # The public call list, one call, Apply: log in first, with a way back to the call.
    page.goto("/calls/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    trip.passed(page)
    page.locator("main a", has_text="Protección y resiliencia 2027").first.click()
    trip.passed(page)
    apply_path = page.locator("main a[href^='/applications/new/']").get_attribute("href")
    page.locator("main a[href^='/applications/new/']").click()
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    trip.passed(page)

    # No account yet: register, changing the language half-way without losing anything.
    page.locator("main a[href^='/auth/register']").click()
    trip.passed(page)
    page.locator("[name=username]").fill(USER)
    _change_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[name=username]")).to_have_value(USER)
    _change_language(page, "es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("[name=username]")).to_have_value(USER)
    trip.passed(page, revisit=False)  # a POST's answer
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=confirm]").fill(PASSWORD)
    page.locator("main [name=language]").select_option("es")
    _send(page)
    expect(page.locator("main .code")).to_be_visible()  # the recovery code, shown once
    trip.passed(page, revisit=False)
    page.locator("main a.button").click()
    expect(page).to_have_url(re.compile(re.escape(apply_path) + "$"))  # back to the call
    trip.passed(page)

    # The group adds itself with all its details, then comes back to the form.
    page.locator("main a[href^='/orgs/new?next=']").click()
    trip.passed(page)
    page.locator("[name=name]").fill("Tejedoras del Atrato")
    page.locator("[name=kind]").select_option("unregistered_group")
    page.locator("[name=country]").select_option("CO")
    page.locator("[name=contact_details]").fill("Por la radio comunitaria, los martes.")
    _send(page)
    expect(page).to_have_url(re.compile(re.escape(apply_path) + "$"))
    expect(page.locator("main")).to_contain_text("Tejedoras del Atrato")
    trip.passed(page)
    page.locator("main [name=language]").select_option("es")
    _send(page)

    # Step 1.
    expect(page).to_have_url(re.compile(r"/applications/\d+/step/1$"))
    trip.passed(page)
    page.locator("[name=title]").fill("Tejer memoria en el Atrato")
    page.locator("[name=risk_level][value=medium]").check()
    page.locator("[name=threat_description]").fill("Amenazas después de la marcha.")
    page.locator("[name=safe_contact]").fill("Por la parroquia, entre semana.")
    _send(page, "go", "next")
    # Step 2: the call's questions.
    trip.passed(page)
    for box in page.locator("main form textarea").all():
        box.fill("Acompañamos a las mujeres que tejen la memoria del río.")
    _send(page, "go", "next")
    # Step 3: amounts written the Spanish way.
    trip.passed(page)
    for i, (category, what, amount) in enumerate([
            ("programme", "Talleres de tejido", "6.000"),
            ("protection_security", "Transporte seguro", "1.500"),
            ("psychosocial", "Cuidado colectivo", "900")]):
        page.locator(f"[name=rows-{i}-category]").select_option(category)
        page.locator(f"[name=rows-{i}-description]").fill(what)
        page.locator(f"[name=rows-{i}-amount]").fill(amount)
    _send(page, "go", "next")
    # Step 4 is optional.
    expect(page).to_have_url(re.compile(r"/step/4$"))
    trip.passed(page)
    _send(page, "go", "next")
    # Step 5: check and send; 1.500 was read as one thousand five hundred.
    expect(page).to_have_url(re.compile(r"/step/5$"))
    expect(page.locator("main")).to_contain_text("8.400,00")
    trip.passed(page)
    page.locator("main form[action$='/submit'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/sent$"))
    trip.passed(page)
    code = re.search(r"[A-Z]{2}-[A-Z0-9-]{4,}", page.locator("main").inner_text()).group(0)
    application_path = re.sub(r"/sent$", "", page.url.split(page.url.split("/")[2], 1)[1])
    page.locator("header form[action$='/auth/logout'] button").click()

    # An officer asks a question on it.
    officer = new_context().new_page()
    _log_in_officer(officer, officer_secret)
    officer.goto("/review/")
    officer.get_by_role("link", name=code).click()
    officer.get_by_label("Programme officer").select_option(label=OFFICER)
    officer.get_by_role("button", name="Assign the officer").click()
    officer.get_by_role("link", name="Ask for more information").first.click()
    officer.get_by_label("What do you need to know?").fill(
        "¿Cuántas tejedoras participan en los talleres?")
    officer.get_by_role("button", name="Send the question").click()
    expect(officer.get_by_role("status").first).to_be_visible()

    # The group logs back in, finds the question, answers it.
    page.goto(application_path)
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    trip.passed(page)
    page.locator("[name=username]").fill(USER)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=password]").press("Enter")  # the form is sent, not the chooser
    expect(page).to_have_url(re.compile(re.escape(application_path) + "$"))  # way back
    expect(page.locator("#messages")).to_contain_text("¿Cuántas tejedoras participan")
    trip.passed(page)
    page.locator("#message-body").fill("Somos treinta y dos tejedoras de cuatro veredas.")
    page.locator("#messages button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("Somos treinta y dos tejedoras")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    trip.passed(page)
    screenshot(page)

    # Accessibility of the pages on the way, at the same width, in a context that runs axe.
    # Log-in and register pages as a visitor sees them (logged in, they lead onwards).
    group = new_context(locale="es-ES", viewport=PHONE,
                        storage_state=context.storage_state()).new_page()
    visitor = new_context(locale="es-ES", viewport=PHONE).new_page()
    for url in trip.for_axe:
        checker = visitor if "/auth/" in url else group
        checker.goto(url)
        axe.check(checker)
    assert axe.violations == [], axe.report()
    assert trip.too_wide == [], "\n".join(trip.too_wide)
