"""Always a way back: every detour (log in, register, add your group,
two-step set-up, a session that expired) returns the person to where they were going, on
this site only; an expired form or a language changed mid-form keeps what was typed."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from grants.auth.redirects import safe_next
from grants.extensions import db
from grants.models import Application, Message, Organisation, User, UserSession
from grants.models.types import utcnow
from tests import factories
from tests.factories import PASSWORD

# Open-redirect payloads (after PayloadsAllTheThings' list and OWASP's cheat sheet): each
# would leave the site, run script, or split a header, in some browser.
PAYLOADS = [
    "https://evil.example", "http://evil.example/", "//evil.example", "///evil.example",
    "////evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
    "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "/%0d%0a\r\nLocation: https://evil.example", " //evil.example", "\t//evil.example",
    "\x00//evil.example", "/\x7f/evil.example", "javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "http:evil.example", "http:/evil.example",
    "https:\\\\evil.example", "//evil.example@127.0.0.1", "/\u2215\u2215evil.example",
    "/\uff0f\uff0fevil.example", "\u3002/evil.example", "%2F%2Fevil.example",
    "evil.example", "", None,
]
SAFE = ["/", "/calls/", "/applications/new/3", "/orgs/new?rescued=abc-_12",
        "/applications/7/step/3?more=1"]


@pytest.mark.parametrize("target", PAYLOADS)
def test_a_way_back_never_leaves_the_site(target):
    assert safe_next(target, "/home") == "/home"


def test_paths_on_this_site_are_ways_back_and_nothing_else_is():
    assert [safe_next(t, "/home") for t in SAFE] == SAFE
    assert {safe_next(t, "/home") for t in PAYLOADS} == {"/home"}


def _next(location: str) -> str | None:
    found = parse_qs(urlsplit(location).query).get("next")
    return found[0] if found else None


def _login(client, user, next_: str | None):
    name = user if isinstance(user, str) else user.username
    return client.post("/auth/login", data={"username": name, "password": PASSWORD,
                                            "next": next_ or ""})


@pytest.mark.parametrize("target", [p for p in PAYLOADS if p and "\x00" not in p])
def test_log_in_and_the_language_chooser_refuse_a_way_off_the_site(app, client, world,
                                                                   target):
    assert _login(client, world.applicant, target).headers["Location"] == "/"
    assert client.post("/language", data={"lang": "es", "next": target}
                       ).headers["Location"] == "/"
    # Already logged in, asked to log in with a `next`: home, not elsewhere.
    assert client.get("/auth/login", query_string={"next": target}).headers["Location"] == "/"


def _fill_rule(rule) -> str:
    def value(conv):
        if type(conv).__name__ == "IdConverter":
            return 1
        return sorted(conv.items)[0] if hasattr(conv, "items") else "x"  # `any(...)`

    values = {arg: value(conv) for arg, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def _private_get_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" in rule.methods and not getattr(view, "_public", False) \
                and rule.endpoint != "static":
            yield rule


def test_every_page_behind_log_in_comes_back_after_it(app, client):
    """From the url map: each GET page that needs log-in sends there with a way back to
    itself (its path: a query string may hold what someone typed), and logging in with it
    lands on it."""
    app.config["RATELIMIT_ENABLED"] = False
    try:
        with app.app_context():
            user = factories.user().username
            db.session.commit()
            rules = list(_private_get_routes(app))
            paths = [_fill_rule(rule) for rule in rules]
        assert len(paths) > 60
        for path in paths:
            client.delete_cookie("grants_session")
            r = client.get(path, query_string={"q": "what was typed"})
            assert r.status_code == 302, path
            assert urlsplit(r.headers["Location"]).path == "/auth/login", path
            assert _next(r.headers["Location"]) == path, path
            assert _login(client, user, _next(r.headers["Location"])).headers[
                "Location"] == path, path
    finally:
        app.config["RATELIMIT_ENABLED"] = True


def test_a_post_only_action_after_the_session_lapsed_offers_no_way_back_it_cannot_take(
        app, client):
    """After log-in the way back is a GET: an action that answers only POST is no target."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" in rule.methods or getattr(view, "_public", False) or getattr(
                view, "_rescue", False):
            continue
        with app.app_context():
            path = _fill_rule(rule)
        r = client.post(path)
        if r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/auth/login":
            assert _next(r.headers["Location"]) is None, path


def test_apply_then_register_comes_back_to_the_call(app, client, world):
    call_id = world.call.id
    apply = f"/applications/new/{call_id}"
    r = client.get(apply)
    assert _next(r.headers["Location"]) == apply
    login = client.get(r.headers["Location"]).data.decode().split("<main", 1)[1]
    register_link = re.search(r'href="(/auth/register[^"]*)"', login).group(1)
    assert _next(register_link.replace("&amp;", "&")) == apply
    page = client.get(register_link).data.decode()
    assert re.search(r'name="next" type="hidden" value="/applications/new/\d+"', page)
    done = client.post("/auth/register", data={
        "username": "tide-keepers", "password": "a long test password",
        "confirm": "a long test password", "language": "en", "next": apply}).data.decode()
    assert "recovery code" in done.lower()
    assert f'class="button" href="{apply}"' in done
    assert client.get(apply).status_code == 200  # and the new account may apply


def test_recovering_the_password_comes_back_too(app, client, world):
    apply = f"/applications/new/{world.call.id}"
    login = client.get("/auth/login", query_string={"next": apply}).data.decode()
    login = login.split("<main", 1)[1]
    recover_link = re.search(r'href="(/auth/recover[^"]*)"', login).group(1)
    page = client.post(recover_link.replace("&amp;", "&"), data={
        "username": world.applicant.username, "code": world.applicant.test_recovery_code,
        "password": "another long password", "confirm": "another long password"}
    ).data.decode()
    onwards = re.search(r'class="button" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert urlsplit(onwards).path == "/auth/login" and _next(onwards) == apply


def test_adding_a_group_from_the_form_comes_back_to_the_form(app, client, auth, world):
    with app.app_context():
        newcomer = SimpleNamespace(id=factories.user().id)
        db.session.commit()
    auth.login(newcomer)
    apply = f"/applications/new/{world.call.id}"
    page = client.get(apply).data.decode()
    add = re.search(r'href="(/orgs/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert _next(add) == apply
    form = client.get(add).data.decode()
    assert f'action="{add}"' in form.replace("&amp;", "&")
    r = client.post(add, data={"name": "Tide Keepers", "kind": "unregistered_group",
                               "country": "PE"})
    assert r.headers["Location"] == apply
    back = client.get(apply).data.decode()
    assert "Tide Keepers" in back
    assert re.search(r'name="organisation" type="radio" value="\d+" checked', back) or \
        re.search(r'checked[^>]*name="organisation"[^>]*value="\d+"', back)


def test_staff_set_up_two_step_then_reach_the_page_they_asked_for(app, client):
    with app.app_context():
        officer = factories.user(factories.Role.OFFICER, totp=False)
        db.session.commit()
        officer_id, name = officer.id, officer.username
    r = _login(client, name, "/review/")
    assert r.headers["Location"] == "/account/2fa?next=/review/"
    page = client.get(r.headers["Location"]).data.decode()
    assert 'action="/account/2fa?next=/review/"' in page
    with app.app_context():
        secret = db.session.get(User, officer_id).totp_secret
    ok = client.post("/account/2fa?next=/review/", data={"code": pyotp.TOTP(secret).now()})
    assert ok.headers["Location"] == "/review/"


def test_a_session_that_expired_returns_to_the_page(app, client, auth, world):
    auth.login(world.applicant)
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    r = client.get("/applications/", query_string={"status": "draft"})
    assert _next(r.headers["Location"]) == "/applications/"
    assert _login(client, world.applicant, "/applications/").headers[
        "Location"] == "/applications/"


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_an_expired_registration_form_keeps_what_was_typed(app, client, world, csrf_on):
    apply = f"/applications/new/{world.call.id}"
    r = client.post("/auth/register", data={
        "csrf_token": "expired", "username": "river-guardians", "email": "rg@example.org",
        "password": "secret words here", "confirm": "secret words here", "language": "es",
        "next": apply})
    page = r.data.decode()
    assert r.status_code == 400
    assert "This form had expired, so nothing was sent." in page
    assert 'value="river-guardians"' in page and 'value="rg@example.org"' in page
    assert "secret words here" not in page  # a password is never sent back
    assert f'name="next" type="hidden" value="{apply}"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "river-guardians")) \
            is None
    # The fresh token in the page works.
    done = client.post("/auth/register", data={
        "csrf_token": _token(page), "username": "river-guardians",
        "password": "secret words here", "confirm": "secret words here", "language": "es",
        "next": apply})
    assert done.status_code == 200 and f'href="{apply}"' in done.data.decode()


def test_an_expired_log_in_form_keeps_the_name_and_the_way_back(app, client, world, csrf_on):
    r = client.post("/auth/login", data={"csrf_token": "expired", "next": "/applications/",
                                         "username": world.applicant.username,
                                         "password": PASSWORD})
    page = r.data.decode()
    assert r.status_code == 400 and "This form had expired" in page
    assert f'value="{world.applicant.username}"' in page and PASSWORD not in page
    assert 'name="next" type="hidden" value="/applications/"' in page


# The language chooser in the middle of a form (JavaScript off) --------------------------

def test_the_chooser_joins_the_form_on_a_form_page(client):
    page = client.get("/auth/register").data.decode()
    assert '<form id="register-form"' in page
    assert re.search(r'<select id="lang" name="lang" form="register-form">', page)
    assert re.search(r'<button type="submit" form="register-form" name="change_language"',
                     page)
    # Elsewhere it is a form of its own.
    assert '<select id="lang" name="lang">' in client.get("/calls/").data.decode()


def test_changing_language_on_a_public_form_keeps_what_was_typed(app, client, csrf_on):
    token = _token(client.get("/auth/register").data.decode())
    r = client.post("/auth/register", data={
        "csrf_token": token, "change_language": "1", "lang": "fr",
        "username": "tide-keepers", "password": "typed password here", "confirm": "",
        "language": "en", "next": "/calls/"})
    page = r.data.decode()
    assert r.status_code == 200 and '<html lang="fr"' in page
    assert 'value="tide-keepers"' in page and "typed password here" not in page
    assert 'name="next" type="hidden" value="/calls/"' in page
    assert "error-summary" not in page  # not validated: nothing was sent
    assert "lang=fr" in r.headers["Set-Cookie"]
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "tide-keepers")) \
            is None


def test_changing_language_still_needs_the_form_token(app, client, csrf_on):
    r = client.post("/auth/register", data={"change_language": "1", "lang": "fr",
                                            "username": "tide-keepers"})
    page = r.data.decode()
    assert r.status_code == 400 and "lang=fr" not in r.headers.get("Set-Cookie", "")
    assert '<html lang="en"' in page and "This form had expired" in page
    assert 'value="tide-keepers"' in page


def test_changing_language_mid_form_logged_in_keeps_it_unsaved(app, client, auth, world):
    auth.login(world.applicant)
    r = client.post("/orgs/new", data={"change_language": "1", "lang": "es",
                                       "name": "Tide Keepers", "kind": "unregistered_group",
                                       "country": "PE", "contact_details": "Por la radio"})
    assert r.status_code == 302 and "rescued=" in r.headers["Location"]
    assert "lang=es" in r.headers["Set-Cookie"]
    with app.app_context():
        assert "Tide Keepers" not in {o.name for o in db.session.scalars(sa.select(Organisation))}
    page = client.get(r.headers["Location"]).data.decode()
    assert '<html lang="es"' in page
    assert 'value="Tide Keepers"' in page and "Por la radio" in page
    assert 'name="change_language"' in page  # the chooser still joins the form


def test_changing_language_on_an_application_step_saves_nothing(app, client, auth, world):
    with app.app_context():
        application = db.session.get(Application, world.application.id)
        before, app_id = application.title, application.id
    auth.login(world.applicant)
    step = f"/applications/{app_id}/step/1"
    r = client.post(step, data={"change_language": "1", "lang": "fr",
                                "title": "Les gardiennes du fleuve", "go": "next"})
    assert r.headers["Location"].startswith(step + "?rescued=")
    with app.app_context():
        assert db.session.get(Application, app_id).title == before
    page = client.get(r.headers["Location"]).data.decode()
    assert '<html lang="fr"' in page and 'value="Les gardiennes du fleuve"' in page


def _expire(app):
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()


def test_a_message_written_as_the_session_lapsed_comes_back_after_log_in(app, client, auth,
                                                                          world):
    auth.login(world.applicant)
    app_id = world.submitted.id
    _expire(app)
    r = client.post(f"/applications/{app_id}/messages",
                    data={"body": "Somos treinta y dos tejedoras."})
    way_back = _next(r.headers["Location"])
    assert way_back.startswith(f"/applications/{app_id}?rescued=")
    landed = _login(client, world.applicant, way_back).headers["Location"]
    assert landed == way_back
    page = client.get(landed).data.decode()
    assert ">Somos treinta y dos tejedoras.</textarea>" in page
    with app.app_context():  # kept, not sent
        assert not any("tejedoras" in m.body for m in db.session.scalars(sa.select(Message)))


def test_changing_language_while_writing_a_message_keeps_it(app, client, auth, world):
    auth.login(world.applicant)
    app_id = world.submitted.id
    page = client.get(f"/applications/{app_id}").data.decode()
    assert '<select id="lang" name="lang" form="message-form">' in page
    r = client.post(f"/applications/{app_id}/messages",
                    data={"change_language": "1", "lang": "ar", "body": "Ya casi."})
    assert r.headers["Location"].startswith(f"/applications/{app_id}?rescued=")
    page = client.get(r.headers["Location"]).data.decode()
    assert 'lang="ar" dir="rtl"' in page and ">Ya casi.</textarea>" in page


def test_the_chooser_alone_never_leads_to_an_action_that_answers_post_only(app, client,
                                                                           auth, world):
    auth.login(world.applicant)
    r = client.post("/language", data={"lang": "fr",
                                       "next": f"/applications/{world.submitted.id}/submit"})
    assert r.headers["Location"] == "/"
    r = client.post("/language", data={"lang": "fr", "next": "/calls/?type=open"})
    assert r.headers["Location"] == "/calls/?type=open"


def test_every_page_that_joins_the_chooser_to_a_form_has_that_form():
    from grants import ROOT

    templates, joined = ROOT / "templates", set()
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for form_id in re.findall(r'set typed_form = "([\w-]+)"', text):
            included = "".join((templates / name).read_text(encoding="utf-8")
                               for name in re.findall(r'include "([^"]+)"', text))
            assert f'id="{form_id}"' in text + included, path
            joined.add(path.relative_to(templates).as_posix())
    # The group's forms: log-in, registration, recovery, its group, the form's steps, messages.
    assert {"auth/login.html", "auth/register.html", "auth/recover.html",
            "organisations/form.html", "applications/start.html", "applications/step_1.html",
            "applications/step_3.html", "applications/show.html"} <= joined


def test_changing_language_while_writing_a_report_keeps_it(app, client, auth, world):
    auth.login(world.applicant)
    with app.app_context():
        award_id = world.award.id
        requirement = next(r for r in db.session.get(type(world.award), award_id)
                           .report_requirements if not r.reports)
        path = f"/awards/{award_id}/requirements/{requirement.id}/report"
    page = client.get(path).data.decode()
    assert 'form="report-form"' in page and 'id="report-form"' in page
    names = re.findall(r'<textarea[^>]* name="([^"]+)"', page)
    r = client.post(path, data={"change_language": "1", "lang": "pt",
                                **{name: "Fizemos três oficinas." for name in names}})
    page = client.get(r.headers["Location"]).data.decode()
    assert '<html lang="pt"' in page and "Fizemos três oficinas." in page


def test_the_menus_plain_register_link_keeps_the_way_back(app, client, world):
    apply = f"/applications/new/{world.call.id}"
    client.get(client.get(apply).headers["Location"])  # the log-in page, with its next
    page = client.get("/auth/register").data.decode()  # the menu's link has no next
    assert f'name="next" type="hidden" value="{apply}"' in page
    done = client.post("/auth/register", data={
        "username": "menu-clicker", "password": "a long test password",
        "confirm": "a long test password", "language": "en", "next": apply})
    assert f'class="button" href="{apply}"' in done.data.decode()
    with client.session_transaction() as s:
        assert "way_back" not in s  # a fresh session once registered


def test_expired_token_and_lapsed_session_keep_the_text_through_log_in(app, client, auth,
                                                                       world, csrf_on):
    auth.login(world.applicant)
    _expire(app)
    r = client.post("/orgs/new", data={"csrf_token": "old", "name": "Tide Keepers",
                                       "kind": "unregistered_group", "country": "PE"})
    way_back = _next(r.headers["Location"])
    assert urlsplit(r.headers["Location"]).path == "/auth/login"
    assert way_back.startswith("/orgs/new?rescued=")


def test_enter_in_a_box_still_sends_the_form(client):
    """The chooser's button, joined to the form from the header, would be the form's first
    and so the one Enter "clicks": a hidden button without a name comes before it."""
    page = client.get("/auth/register").data.decode()
    default = page.index('<button type="submit" form="register-form" hidden tabindex="-1">')
    assert default < page.index('name="change_language"')


def test_too_slow_with_the_two_step_code_keeps_the_way_back(app, client, world):
    with client.session_transaction() as s:
        s["pending"] = {"uid": world.officer.id, "at": 0, "next": "/review/"}
    r = client.get("/auth/2fa")
    assert r.headers["Location"] == "/auth/login?next=/review/"
    with client.session_transaction() as s:
        s["pending"] = {"uid": world.officer.id, "at": 0, "next": "//evil.example"}
    assert client.get("/auth/2fa").headers["Location"] == "/auth/login"


def test_an_emergency_request_without_a_group_needs_no_detour(app, client, auth, world):
    """A defender without a group files at once: the form makes the profile (item 4), so
    there is no detour to come back from."""
    with app.app_context():
        newcomer = SimpleNamespace(id=factories.user().id)
        db.session.commit()
    auth.login(newcomer)
    page = client.get(f"/applications/rapid/{world.rapid_call.id}").data.decode()
    assert 'name="country"' in page
    assert "/orgs/new" not in page
