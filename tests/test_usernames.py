"""User names in any script: letters of any alphabet, digits, spaces and
. - _ '; kept as typed after NFKC, compared without case; a name that looks like one in use
(Unicode TS #39 skeleton, ICU's spoof checker) is refused, even when both are sent at once;
the rule is said before the field, in every language."""

from __future__ import annotations

import importlib.util
import re
import secrets
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from grants import ROOT, usernames
from grants.auth import services
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import AuditEvent, Role, User
from tests import factories
from tests.race import POSTGRES_ONLY, row_counts, second_app

PASSWORD = "three quiet rivers"
LANGS = ("en", "ar", "es", "fa", "fr", "pt", "ru")


def _register(client, name: str, language: str = "en"):
    return client.post("/auth/register", data={
        "username": name, "email": "", "password": PASSWORD, "confirm": PASSWORD,
        "language": language})


def _login(client, name: str):
    return client.post("/auth/login", data={"username": name, "password": PASSWORD})


@pytest.mark.parametrize("name", ["Colibrí_Sur", "Colibri Sur", "نور", "Мария-Луиза",
                                  "O’Brien", "علی\u200cرضا", "田中 花子", "स्वाति"])
def test_the_issues_names_and_others_of_any_script_sign_up_and_log_in(app, name):
    client = app.test_client()
    r = _register(client, name)
    assert r.status_code == 200 and b"recovery code" in r.data.lower()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == name))
        assert user is not None and user.username_key == usernames.key(name)
    fresh = app.test_client()
    assert _login(fresh, name).status_code == 302


def test_log_in_finds_the_name_whatever_its_case_or_composition(app):
    _register(app.test_client(), "Colibrí_Sur")
    for typed in ("colibrí_sur", "COLIBRÍ_SUR", unicodedata.normalize("NFD", "Colibrí_Sur"),
                  "  Colibrí_Sur ", "Ｃｏｌｉｂｒí_Ｓｕｒ"):
        assert _login(app.test_client(), typed).status_code == 302, typed
    assert _login(app.test_client(), "Colibri_Sur").status_code == 200  # no accent: another name


@pytest.mark.parametrize("look_alike", [
    "ADMIN-team",          # case
    "аdmin-team",          # Cyrillic а
    "ａｄｍｉｎ-team",      # full width (NFKC)
    "adrnin-team",         # rn for m
    "admin-teaｍ",         # full-width m alone
    "admin-tea\u200dm",    # an invisible joiner
])
def test_a_name_that_looks_like_one_in_use_is_refused(app, look_alike):
    with app.app_context():
        factories.user(username="admin-team")
        with pytest.raises(ServiceError) as refused:
            services.register(look_alike, PASSWORD)
        assert refused.value.msgid == usernames.TAKEN and refused.value.field == "username"


def test_the_form_says_a_look_alike_is_taken_and_keeps_what_was_typed(app, client):
    with app.app_context():
        factories.user(username="nour")
        db.session.commit()
    r = _register(client, "ոօur")  # Armenian o and u
    assert b"looks too much like one in use" in r.data
    assert "value=\"ոօur\"" in r.get_data(as_text=True)


@pytest.mark.parametrize(("name", "message"), [
    ("me@home", "cannot hold @"),
    ("a<b>c", "cannot hold &lt; &gt;"),
    ("tab\u200bhidden", "cannot hold U+200B"),
    ("ab", "Use 3 to 32 characters."),
    ("x" * 33, "Use 3 to 32 characters."),
    ("-dash", "Start with a letter or a digit."),
    ("'quote", "Start with a letter or a digit."),
])
def test_what_the_rule_refuses_is_named(client, name, message):
    r = _register(client, name)
    assert message in r.get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # no account made, nobody signed in


def test_spaces_are_kept_as_one_and_direction_controls_keep_their_own_message(app, client):
    with app.app_context():
        assert usernames.check("  Colibri \t  Sur ") == "Colibri Sur"
    r = _register(client, "نور\u202e")
    assert b"hidden characters that change the direction" in r.data
    assert b"cannot hold" not in r.data


@pytest.mark.parametrize("lang", LANGS)
def test_the_rule_is_said_before_the_field_in_every_language(app, lang):
    client = app.test_client()
    page = client.get("/auth/register", headers={"Accept-Language": lang}).get_data(
        as_text=True)
    hint = re.search(r'<p class="hint" id="username-hint">([^<]+)</p>', page)
    field = re.search(r'<input[^>]*id="username"[^>]*>', page)
    assert hint and field and hint.start() < field.start()
    assert 'aria-describedby="username-hint"' in field.group(0)
    with app.test_request_context(headers={"Accept-Language": lang}):
        from flask_babel import gettext
        rule = gettext(usernames.RULE)
    assert rule in hint.group(1).replace("&#39;", "'")
    assert lang == "en" or rule != usernames.RULE


def test_staff_create_accounts_under_the_same_rule(app, client, auth, world):
    auth.login(world.admin)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'id="username-hint"' in page
    r = client.post("/admin/users/new", data={"username": "Défenseure Nord", "role": "officer"})
    assert r.status_code == 200 and "Défenseure Nord" in r.get_data(as_text=True)
    r = client.post("/admin/users/new", data={"username": "DÉFENSEURE NORD", "role": "officer"})
    assert b"looks too much like one in use" in r.data
    listed = client.get("/admin/users?q=défenseure").get_data(as_text=True)
    assert "Défenseure Nord" in listed


def test_the_migration_gives_existing_accounts_their_key_and_skeleton(app):
    """Names stored before the rule keep logging in; of two that look alike (they could both
    be taken under the old ASCII rule) the older keeps the skeleton and neither is renamed."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = next((ROOT / "migrations" / "versions").glob("*_user_name_key_and_skeleton.py"))
    spec = importlib.util.spec_from_file_location("name_skeleton", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        first, second = factories.user(username="river1"), factories.user(username="other")
        db.session.execute(sa.update(User).where(User.id == second.id).values(
            username="riverl", username_key="?", username_skeleton=None))
        db.session.execute(sa.update(User).where(User.id == first.id).values(
            username_key="??", username_skeleton=None))
        with Operations.context(MigrationContext.configure(db.session.connection())):
            migration._fill()
        db.session.expire_all()
        assert (first.username_key, first.username_skeleton) == ("river1", "riverl")
        assert (second.username_key, second.username_skeleton) == ("riverl", None)
        assert services.find_user("RIVERL") == second and services.find_user("river1") == first
        with pytest.raises(ServiceError):
            services.register("Riverǀ", PASSWORD)  # a click letter for l: still refused


# Two look-alikes sent at the same moment (PostgreSQL) ---------------------------------------

def _race_register(race_app, barrier, name):
    with race_app.app_context():
        barrier.wait()
        try:
            services.register(name, PASSWORD)
            db.session.commit()
            return True
        except ServiceError:
            db.session.rollback()
            return False


@POSTGRES_ONLY
def test_look_alikes_sent_at_once_make_one_account(app):
    tag = secrets.token_hex(3)
    names = [f"paypal{tag}", f"pаypal{tag}", f"PAYPAL{tag}", f"pаypаl{tag}"]
    with second_app(app, 4) as race_app:
        with race_app.app_context():
            before = row_counts()
            first_event = (db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0) + 1
        try:
            barrier = threading.Barrier(4)
            with ThreadPoolExecutor(max_workers=4) as pool:
                results = list(pool.map(lambda n: _race_register(race_app, barrier, n), names))
            assert results.count(True) == 1
            with race_app.app_context():
                made = db.session.scalars(sa.select(User).where(
                    User.username_skeleton == usernames.skeleton(names[0]))).all()
                assert len(made) == 1
        finally:
            with race_app.app_context():
                db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= first_event))
                db.session.execute(sa.delete(User).where(User.username_key.in_(
                    [usernames.key(n) for n in names])))
                db.session.commit()
                assert row_counts() == before


def test_the_roles_are_unchanged_by_the_rule(app):
    with app.app_context():
        user = factories.user(Role.OFFICER, username="Oficial Sur")
        assert user.role is Role.OFFICER and user.username == "Oficial Sur"
