"""Organisations: applicants set up their group; staff read; details stay with who may see them."""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import AuditEvent, MemberRole, Membership, Organisation, OrgKind


def _new(client, **data):
    base = {"name": "Night Watch", "kind": "unregistered_group", "country": "UG",
            "contact_details": "Ask for Ama at the market, Tuesdays"}
    return client.post("/orgs/new", data={**base, **data})


def test_an_applicant_creates_an_unregistered_group_and_owns_it(app, client, auth, world):
    auth.login(world.applicant)
    r = _new(client)
    assert r.status_code == 302
    with app.app_context():
        org = next(o for o in db.session.scalars(sa.select(Organisation))
                   if o.name == "Night Watch")  # names are encrypted: found in Python
        assert org.kind == OrgKind.UNREGISTERED_GROUP and org.country == "UG"
        member = db.session.scalar(
            sa.select(Membership).where(Membership.organisation_id == org.id))
        assert member.user_id == world.applicant.id and member.role == MemberRole.OWNER
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "organisation.created", AuditEvent.object_id == org.id))
        assert "Ama" not in repr(event.details)
    assert b"Ama at the market" in client.get(r.headers["Location"]).data


def test_a_registered_organisation_needs_its_legal_name_and_keeps_the_typing(client, auth, world):
    auth.login(world.applicant)
    r = _new(client, kind="registered_ngo", name="Land Trust")
    assert r.status_code == 200
    assert b"needs its legal name" in r.data
    assert b'value="Land Trust"' in r.data and b"Ama at the market" in r.data


def test_a_country_must_be_chosen(client, auth, world):
    auth.login(world.applicant)
    r = _new(client, country="")
    assert r.status_code == 200 and b"Night Watch" in r.data


def test_applicants_cannot_create_an_intermediary(client, auth, world):
    auth.login(world.applicant)
    r = _new(client, kind="intermediary")
    assert r.status_code == 200 and b"Not a valid choice" in r.data


def test_applicants_list_only_their_own_organisations(client, auth, world):
    auth.login(world.applicant)
    page = client.get("/orgs/").data.decode()
    assert world.org.name in page and world.other_org.name not in page


def test_officers_list_all_and_filter_by_kind(client, auth, world):
    auth.login(world.officer)
    page = client.get("/orgs/?kind=intermediary").data.decode()
    assert world.intermediary_org.name in page and world.org.name not in page


def test_contact_details_are_hidden_from_admins(client, auth, world):
    auth.login(world.admin)
    page = client.get(f"/orgs/{world.org.id}").data.decode()
    assert world.org.name in page and "+57 300" not in page
    auth.login(world.officer)
    assert "+57 300" in client.get(f"/orgs/{world.org.id}").data.decode()


def test_owner_edits_but_cannot_change_the_kind(app, client, auth, world):
    auth.login(world.applicant)
    r = client.post(f"/orgs/{world.org.id}/edit", data={
        "name": "Renamed", "kind": "intermediary", "country": "CO", "contact_details": "new"})
    assert r.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, world.org.id)
        assert org.name == "Renamed" and org.kind == OrgKind.UNREGISTERED_GROUP
        assert org.contact_details == "new"


def test_officer_verifies_an_organisation(app, client, auth, world):
    auth.login(world.officer)
    client.post(f"/orgs/{world.org.id}/verify", data={"verified": "1"})
    with app.app_context():
        assert db.session.get(Organisation, world.org.id).is_verified


def test_only_admins_verify_intermediaries(app, client, auth, world):
    auth.login(world.officer)
    assert client.post(f"/orgs/{world.intermediary_org.id}/verify",
                       data={"verified": "1"}).status_code == 403
    auth.login(world.admin)
    client.post(f"/orgs/{world.intermediary_org.id}/verify", data={"verified": "1"})
    with app.app_context():
        assert db.session.get(Organisation, world.intermediary_org.id).is_verified


def test_the_owner_is_offered_a_stripe_account_only_when_stripe_is_on(app, client, auth, world):
    url = f"/orgs/{world.org.id}"
    auth.login(world.applicant)
    assert f"/organisations/{world.org.id}/stripe" not in client.get(url).data.decode()
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    try:
        assert f"/organisations/{world.org.id}/stripe" in client.get(url).data.decode()
        auth.login(world.officer)  # officers never set up a group's account
        assert f"/organisations/{world.org.id}/stripe" not in client.get(url).data.decode()
    finally:
        app.config["STRIPE_SECRET_KEY"] = None
