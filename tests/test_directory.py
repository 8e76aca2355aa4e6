"""Networking and convening (IV.11): a convening call anyone may apply to, and the opt-in
directory where grantees who chose to be listed find each other."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    BudgetCategory,
    Call,
    CallStatus,
    CallType,
    Organisation,
    OrgKind,
    RiskLevel,
)
from tests import factories

BLURB = "We run a legal clinic for land defenders and can share our safety plan template."
CONTACT = "Signal: +57 300 111 2222 (ask for Ana)"


def _opt_in(app, org_id: int, *, listed: bool = True, blurb: str | None = BLURB,
            contact: str | None = CONTACT) -> None:
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        org.directory_opt_in, org.directory_blurb, org.directory_contact = listed, blurb, contact
        db.session.commit()


def _grantee(app, world, name: str, *, country: str = "KE", risk: bool = False) -> int:
    """Another group with an approved award, not listed yet; its owner is returned by id."""
    with app.app_context():
        officer = db.session.merge(world.officer)
        owner = factories.user()
        org = factories.organisation(owner, name=name, country=country,
                                     contact_details="Staff-only safe contact",
                                     legal_name="Staff-only legal name")
        application = factories.application(db.session.merge(world.call), org, by=owner,
                                            status=ApplicationStatus.UNDER_REVIEW,
                                            risk_level=RiskLevel.HIGH if risk else None,
                                            threat_description="Threat details" if risk else None)
        factories.award(application, officer, amount_minor=50_000, years=1)
        db.session.commit()
        return org.id


def _listing(client) -> str:
    return client.get("/directory").data.decode()


# The directory ------------------------------------------------------------------------------

def test_listed_grantees_find_each_other_and_see_only_what_peers_wrote(
        app, client, auth, world):
    _opt_in(app, world.org.id, blurb="Our own blurb")
    peer = _grantee(app, world, "Tierra Viva", risk=True)
    _opt_in(app, peer)
    auth.login(world.applicant)
    page = _listing(client)
    assert "Tierra Viva" in page and BLURB in page and "Signal: +57 300 111 2222" in page
    assert "Kenya" in page and "A group or movement that is not registered" in page
    for hidden in ("Staff-only safe contact", "Staff-only legal name", "Threat details",
                   "High", "Signal +57 300 000 0000"):
        assert hidden not in page, hidden
    # The viewer's own group is not listed among peers, but it is told how it appears.
    own = page[page.index("You are listed as"):page.index("</p>", page.index("You are listed"))]
    assert world.org.name in own and "Our own blurb" not in page
    with app.app_context():  # peers' contacts were read: by whom and when is kept
        assert db.session.execute(sa.select(AuditEvent.actor_id, AuditEvent.details).where(
            AuditEvent.action == "directory.viewed")).all() == [(world.applicant.id, {})]


def test_only_grantees_who_opted_in_see_it_and_only_opted_in_grantees_are_listed(
        app, client, auth, world):
    peer = _grantee(app, world, "Tierra Viva")
    _opt_in(app, peer)
    # Not listed yourself: no directory (and no menu link), however many others are.
    auth.login(world.applicant)
    assert client.get("/directory").status_code == 403
    assert 'href="/directory"' not in client.get("/").data.decode()
    # Listed but without an approved award: still no directory.
    _opt_in(app, world.other_org.id)
    auth.login(world.stranger)
    assert client.get("/directory").status_code == 403
    # Staff never see it, whatever they may read elsewhere.
    for role in ("officer", "admin", "reviewer"):
        auth.login(world.by_role(role))
        assert client.get("/directory").status_code == 403, role
    auth.logout()
    assert client.get("/directory").status_code == 302
    # Opted in with an award: the menu links it and the page lists the peer, not the
    # organisation that opted in without an award.
    _opt_in(app, world.org.id)
    auth.login(world.applicant)
    assert 'href="/directory"' in client.get("/").data.decode()
    page = _listing(client)
    assert "Tierra Viva" in page and world.other_org.name not in page


def test_opting_out_leaves_the_directory_at_once(app, client, auth, world):
    peer = _grantee(app, world, "Tierra Viva")
    _opt_in(app, peer)
    _opt_in(app, world.org.id)
    auth.login(world.applicant)
    assert "Tierra Viva" in _listing(client)
    with app.app_context():
        owner_id = db.session.scalar(sa.select(Organisation).where(
            Organisation.id == peer)).memberships[0].user_id
        owner = db.session.get(type(world.applicant), owner_id)
    auth.login(owner)
    r = client.post(f"/orgs/{peer}/edit", data={"name": "Tierra Viva", "country": "KE",
                                                "directory_blurb": BLURB,
                                                "directory_contact": CONTACT})
    assert r.status_code == 302  # the box left unticked: out of the directory
    assert client.get("/directory").status_code == 403  # and no longer sees it either
    auth.login(world.applicant)
    page = _listing(client)
    assert "Tierra Viva" not in page and BLURB not in page
    assert "No other grantees are listed yet." in page


def test_the_organisation_form_keeps_the_blurb_and_contact_encrypted(app, client, auth, world):
    auth.login(world.applicant)
    form = client.get(f"/orgs/{world.org.id}/edit").data.decode()
    assert "What peers should know about you" in form and "How peers can reach you" in form
    data = {"name": world.org.name, "country": "CO", "directory_opt_in": "y",
            "directory_blurb": BLURB, "directory_contact": CONTACT,
            "contact_details": "Signal +57 300 000 0000"}
    assert client.post(f"/orgs/{world.org.id}/edit", data=data).status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, world.org.id)
        assert (org.directory_opt_in, org.directory_blurb, org.directory_contact) == (
            True, BLURB, CONTACT)
        raw = db.session.execute(sa.text(
            "SELECT directory_blurb, directory_contact FROM organisations WHERE id = :id"),
            {"id": world.org.id}).one()
        assert b"legal clinic" not in bytes(raw[0]) and b"Signal" not in bytes(raw[1])
    page = client.post(f"/orgs/{world.org.id}/edit",
                       data={**data, "directory_blurb": "x" * 601}).data.decode()
    assert "600 characters" in page and CONTACT in page


def test_the_directory_filters_by_country_and_pages(app, client, auth, world):
    _opt_in(app, world.org.id)
    for n, country in enumerate(["KE", "KE", "GT"]):
        _opt_in(app, _grantee(app, world, f"Peer {n}", country=country))
    auth.login(world.applicant)
    page = client.get("/directory?country=GT").data.decode()
    assert "Peer 2" in page and "Peer 0" not in page
    assert re.search(r'<option value="KE"', page) and 'value="CO"' in page


# Convening (IV.11) ---------------------------------------------------------------------------

def test_a_convening_call_can_be_set_up_and_applied_to(app, client, auth, world):
    auth.login(world.officer)
    soon = (date.today() + timedelta(days=30)).isoformat()
    r = client.post("/calls/new", data={
        "call_type": "convening", "fund_id": str(world.fund.id), "languages": ["en"],
        "main_language": "", "opens_on": "", "closes_on": soon, "amount_min": "1,000",
        "amount_max": "20,000", "allow_registered": "y", "allow_unregistered": "y",
        "allow_individuals": "y", "min_protection_share": "", "min_psychosocial_share": "",
        "attachments_required": "0", "max_years": "1"})
    assert r.status_code == 302, r.data.decode()[:2000]
    call_id = int(re.search(r"/calls/(\d+)", r.headers["Location"]).group(1))
    with app.app_context():
        assert db.session.get(Call, call_id).call_type == CallType.CONVENING
        # Opened as any call is (its texts and questions are the calls feature's own tests).
        convening = factories.call(db.session.merge(world.fund), call_type=CallType.CONVENING,
                                   title="Regional gathering", status=CallStatus.OPEN)
        db.session.commit()
        convening_id = convening.id
    assert BudgetCategory.CONVENING.value == "convening"
    auth.login(world.applicant)
    assert "Regional gathering" in client.get("/calls/?type=convening").data.decode()
    r = client.post(f"/applications/new/{convening_id}",
                    data={"organisation": str(world.org.id), "language": "en"})
    app_id = int(re.search(r"/applications/(\d+)/step/1$", r.headers["Location"])[1])
    steps = [
        {"title": "Meeting of networks", "language": "en", "risk_level": "low"},
        {f"q{q}": "Our answer." for q in _question_ids(app, convening_id)},
        {"rows-0-category": "convening", "rows-0-description": "Travel and venue",
         "rows-0-amount": "5000", "rows-0-year": "1",
         "rows-1-category": "protection_security", "rows-1-description": "Safe venue",
         "rows-1-amount": "800", "rows-1-year": "1",
         "rows-2-category": "psychosocial", "rows-2-description": "Rest", "rows-2-amount": "400",
         "rows-2-year": "1"},
        {},
    ]
    for number, data in enumerate(steps, start=1):
        r = client.post(f"/applications/{app_id}/step/{number}", data=data)
        assert r.status_code == 302, (number, r.data.decode()[:1500])
    assert client.post(f"/applications/{app_id}/submit").status_code == 302
    with app.app_context():
        a = db.session.get(Application, app_id)
        assert a.status == ApplicationStatus.SUBMITTED
        assert {line.category for line in a.budget_lines} >= {BudgetCategory.CONVENING}


def _question_ids(app, call_id: int) -> list[int]:
    with app.app_context():
        return [q.id for q in db.session.get(Call, call_id).questions]


@pytest.mark.parametrize("kind", [OrgKind.INTERMEDIARY])
def test_an_intermediary_grantee_lists_its_themes(app, client, auth, world, kind):
    _opt_in(app, world.org.id)
    with app.app_context():
        org = db.session.get(Organisation, world.intermediary_org.id)
        org.themes = ["land defenders", "LGBTIQ rights"]
        assert org.kind == kind
        db.session.commit()
    _opt_in(app, world.intermediary_org.id)  # its regranting award is approved
    auth.login(world.applicant)
    page = _listing(client)
    assert "land defenders, LGBTIQ rights" in page
    auth.login(world.intermediary)
    assert world.org.name in _listing(client)
