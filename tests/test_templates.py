"""The base layout: language and direction, skip link, error summary, no inline script."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def arabic(app):
    before = app.config["LANGUAGES"]
    app.config["LANGUAGES"] = ["en", "ar"]
    yield
    app.config["LANGUAGES"] = before  # the suite's app is shared: leave it as found


def test_pages_declare_language_and_direction(client):
    page = client.get("/auth/login").data.decode()
    assert '<html lang="en" dir="ltr">' in page


def test_a_right_to_left_language_turns_the_page(client, arabic):
    client.set_cookie("lang", "ar")
    page = client.get("/auth/login").data.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_the_language_chooser_remembers_without_an_account(client, arabic):
    r = client.post("/language", data={"lang": "ar", "next": "/auth/login"})
    assert r.headers["Location"] == "/auth/login"
    assert "lang=ar" in r.headers["Set-Cookie"]
    assert 'dir="rtl"' in client.get("/auth/login").data.decode()
    r = client.post("/language", data={"lang": "xx", "next": "//evil.example"})
    assert r.headers["Location"] == "/" and "Set-Cookie" not in r.headers


def test_skip_link_comes_first_and_targets_main(client):
    page = client.get("/").data.decode()
    body = page[page.index("<body>"):]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'href="#main"' in first_link and '<main id="main"' in page


def test_error_summary_links_to_the_fields(client):
    page = client.post("/auth/register", data={"username": "", "password": "x",
                                               "confirm": "y", "language": "en"}).data.decode()
    summary = page[page.index('class="error-summary"'):]
    assert 'href="#username"' in summary and 'href="#confirm"' in summary
    assert 'aria-invalid="true"' in page


def test_no_inline_script_or_style_anywhere(client, auth, world):
    auth.login(world.admin)
    for path in ("/", "/account/", "/admin/users", "/admin/audit", "/orgs/", "/funds/"):
        page = client.get(path).data.decode()
        assert "<script" not in page and "<style" not in page and " style=" not in page, path


def test_the_stylesheet_is_small(client):
    r = client.get("/static/site.css")
    assert len(r.data) < 8 * 1024
    r.close()


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    ("applicant", {"/awards/", "/applications/rapid/"}, {"/review/", "/payments/",
                                                          "/calls/manage"}),
    ("reviewer", {"/review/"}, {"/payments/", "/awards/", "/regranting/"}),
    ("intermediary", {"/regranting/"}, {"/review/", "/payments/"}),
    ("officer", {"/review/", "/payments/", "/awards/", "/payments/countries", "/donations"},
     {"/admin/", "/applications/rapid/"}),
    ("admin", {"/payments/countries", "/admin/users", "/donations"},
     {"/review/", "/payments/\""}),
])
def test_the_menu_offers_what_each_role_may_open(client, auth, world, role, shown, hidden):
    auth.login(world.by_role(role))
    page = client.get("/").data.decode()
    menu = page[page.index('aria-label="Main menu"'):page.index("</nav>")]
    for href in shown:
        assert f'href="{href}' in menu, (role, href)
    for href in hidden:
        assert f'href="{href}' not in menu, (role, href)


def test_anonymous_visitors_are_offered_to_donate_only_when_stripe_is_on(app, client):
    assert 'href="/donate"' not in client.get("/").data.decode()
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    try:
        assert 'href="/donate"' in client.get("/").data.decode()
    finally:
        app.config["STRIPE_SECRET_KEY"] = None


def test_every_page_links_to_the_safety_advice(client):
    assert 'href="/safety"' in client.get("/calls/").data.decode()
    page = client.get("/safety").data.decode()
    assert "accessnow.org/help" in page and "securityinabox.org" in page
