"""An emergency request in one visit: a defender without an account files on the
request's own page, which makes the pseudonymous account and the individual profile with
the request, in one transaction; a defender logged in without a profile is asked only the
country. Bad input keeps what was typed (never a password); nothing is made by halves."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from grants.auth import passwords
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Call,
    CallStatus,
    FormRescue,
    Membership,
    Organisation,
    OrgKind,
    RiskLevel,
    User,
    UserSession,
)
from grants.models.types import utcnow

SECRET = "Two men followed her home from the court"
WHY = "To read our answer safely you need an account"
SECRET_WORDS = "quiet rivers run far"


def _url(world) -> str:
    return f"/applications/rapid/{world.rapid_call.id}"


def _form(**overrides) -> dict:
    data = {"username": "Nightjar-7", "password": SECRET_WORDS, "confirm": SECRET_WORDS,
            "country": "CO", "what_happened": SECRET, "needs_now": "New locks, a safe phone",
            "category": "in_country", "currency": "USD", "risk_level": "high",
            "line1_category": "protection_security", "line1_description": "Locks",
            "line1_amount": "1,200", "safe_contact": "Signal after 6 pm",
            "written_in": "Español"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count(m.id)))
                 for m in (User, Organisation, Application))


def test_a_visitor_files_in_one_visit_and_reads_the_recovery_code_then_the_request(
        app, client, world):
    page = client.get(_url(world))
    assert page.status_code == 200  # no detour through log-in
    text = page.get_data(as_text=True)
    assert WHY in text and "no e-mail, no real name" in text
    assert 'name="username"' in text and 'name="country"' in text
    assert 'name="email"' not in text and 'name="organisation"' not in text

    response = client.post(_url(world), data=_form())
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    code = re.search(r'<p class="code">([^<]+)</p>', text).group(1)
    assert "Sent. We answer within 72 hours." in text
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "Nightjar-7"))
        assert user.email is None and user.preferred_language == "en"
        assert passwords.verify_secret(user.recovery_code_hash, code)
        [membership] = user.memberships
        profile = membership.organisation
        assert profile.kind == OrgKind.INDIVIDUAL_DEFENDER and profile.country == "CO"
        assert profile.name == "Nightjar-7"  # the pseudonym, nothing more
        a = db.session.scalar(sa.select(Application).where(
            Application.organisation_id == profile.id))
        assert a.status == ApplicationStatus.SUBMITTED and a.risk_level == RiskLevel.HIGH
        assert a.created_by_id == user.id and a.threat_description == SECRET
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.actor_id == user.id)).all()
        assert {"user.registered", "organisation.created", "application.rapid_filed"} <= {
            e.action for e in events}
        assert not any(SECRET in str(e.details) or code in str(e.details) for e in events)
        app_id = a.id
    assert f'href="/applications/{app_id}"' in text  # then the request
    # Logged in: the request's page opens, and the code is never shown again.
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert "We answer by" in page and code not in page


def test_a_visitor_in_arabic_gets_an_arabic_account(app, client, world):
    client.set_cookie("lang", "ar")
    response = client.post(_url(world), data=_form(username="layla-k"))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "layla-k"))
        assert user.preferred_language == "ar"
        assert db.session.get(Application, db.session.scalar(
            sa.select(sa.func.max(Application.id)))).language == "ar"


def test_bad_input_keeps_what_was_typed_but_never_a_password_and_makes_nothing(
        app, client, world):
    with app.app_context():
        before = _counts()
    # A refusal from the request's rules, after the account would have been made.
    response = client.post(_url(world), data=_form(what_happened=""))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Say what happened." in text
    assert 'value="Nightjar-7"' in text and 'value="1,200"' in text
    assert "Signal after 6 pm" in text and SECRET_WORDS not in text
    assert '<option selected value="CO">' in text
    # A refusal from the account's rules.
    response = client.post(_url(world), data=_form(confirm="something else entirely"))
    text = response.get_data(as_text=True)
    assert "The passwords differ." in text and SECRET in text
    response = client.post(_url(world), data=_form(username=world.applicant.username))
    assert "That user name is taken" in response.get_data(as_text=True)
    response = client.post(_url(world), data=_form(country=""))
    assert response.status_code == 200 and "<h1>" in response.get_data(as_text=True)
    with app.app_context():
        assert _counts() == before
    assert client.get("/account/").status_code == 302  # not logged in


def test_making_accounts_this_way_counts_against_the_registration_limit(
        app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_LIMIT_PER_IP", "1 per hour")
    assert client.post(_url(world), data=_form(username="first-one")).status_code == 200
    other = app.test_client()
    response = other.post(_url(world), data=_form(username="second-one"))
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Too many attempts" in text and SECRET in text  # kept, to send later
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "second-one")) is None


def test_a_defender_logged_in_without_a_profile_files_without_a_detour(
        app, client, auth, world):
    with app.app_context():
        from tests import factories

        loner = factories.user()
        db.session.commit()
        loner_id = loner.id
    auth.login(loner)
    text = client.get(_url(world)).get_data(as_text=True)
    assert "Add your group or yourself first" not in text
    assert 'name="country"' in text and 'name="username"' not in text
    response = client.post(_url(world), data=_form(username=None, password=None,
                                                   confirm=None, country="KE"))
    assert response.status_code == 302
    with app.app_context():
        [m] = db.session.scalars(sa.select(Membership).where(Membership.user_id == loner_id))
        assert m.organisation.kind == OrgKind.INDIVIDUAL_DEFENDER
        a = db.session.scalar(sa.select(Application).where(
            Application.organisation_id == m.organisation_id))
        assert response.headers["Location"].endswith(f"/applications/{a.id}")
    # Next time the profile is there: it is chosen, not made again.
    text = client.get(_url(world)).get_data(as_text=True)
    assert 'name="country"' not in text and 'name="organisation"' in text


def test_a_lapsed_session_is_kept_for_its_defender_not_taken_for_a_newcomer(
        app, client, auth, world):
    auth.login(world.applicant)
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    response = client.post(_url(world), data=_form(username=None, password=None,
                                                   confirm=None, country=None,
                                                   organisation=str(world.org.id)))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    with app.app_context():
        assert db.session.scalar(sa.select(FormRescue)).user_id == world.applicant.id


def test_staff_still_may_not_file_and_a_closed_call_takes_no_visitor(app, client, auth, world):
    with app.app_context():
        db.session.get(Call, world.rapid_call.id).status = CallStatus.CLOSED
        db.session.commit()
    assert client.get(_url(world)).status_code == 403
    assert client.post(_url(world), data=_form()).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "Nightjar-7")) is None
        db.session.get(Call, world.rapid_call.id).status = CallStatus.OPEN
        db.session.commit()
    auth.login(world.officer)
    assert client.get(_url(world)).status_code == 403
