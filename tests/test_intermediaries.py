"""The intermediary path through the test client on a real database: an unregistered group
applies through an intermediary, which endorses or declines; the officer approves through
the intermediary (an award to it with a pass-through sub-grant) or directly; the
intermediary's workspace, its sub-grants and payments within the money rule; tenant
isolation; and what the funder may and may not read."""

from __future__ import annotations

import html
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    Call,
    Organisation,
    OrgKind,
    RegrantType,
    Role,
    SubGrant,
    User,
)
from tests import factories

DETAILS = "Ask for Rosa at the market stall, phone +254 700 111 222"


@contextmanager
def database(app):
    with app.app_context():
        yield db.session
        db.session.commit()


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.data.decode())


def _status(app, application_id: int) -> ApplicationStatus:
    with app.app_context():
        return db.session.get(Application, application_id).status


@pytest.fixture
def routed(app, world):
    """The intermediary verified and serving Colombia; a call that funds unregistered groups
    only through an intermediary; the applicant's unregistered Colombian group's draft."""
    with database(app):
        org = db.session.get(Organisation, world.intermediary_org.id)
        org.is_verified, org.accepts_routed_applications = True, True
        org.serves_countries, org.themes = ["CO", "KE"], ["land defenders"]
        call = factories.call(db.session.get(type(world.fund), world.fund.id), questions=0,
                              allow_intermediary_route=True, allow_unregistered=False,
                              allow_individuals=False)
        draft = factories.application(call, db.session.get(Organisation, world.org.id),
                                      by=db.session.get(User, world.applicant.id),
                                      amount_requested_minor=0)
        ids = {"application": draft.id, "call": call.id, "code": draft.code_name}
    return ids


def _send_through_intermediary(client, auth, world, routed) -> None:
    auth.login(world.applicant)
    url = f"/applications/{routed['application']}"
    page = _page(client.get(f"{url}/step/5"))
    assert "Choose an intermediary, or ask the funder to find one." in page
    assert client.post(f"{url}/submit").status_code == 200  # refused: no route yet
    choices = _page(client.get(f"{url}/route"))
    assert "Directly to the funder" not in choices  # the call funds such groups only via one
    assert client.post(f"{url}/route",
                       data={"route": str(world.intermediary_org.id)}).status_code == 302
    assert client.post(f"{url}/submit").status_code == 302


def test_a_group_applies_through_an_intermediary_endorsed_then_approved(
        app, client, auth, world, routed):
    _send_through_intermediary(client, auth, world, routed)
    assert _status(app, routed["application"]) == ApplicationStatus.AWAITING_ENDORSEMENT

    auth.login(world.officer)  # not in the funder's queue before the intermediary endorses
    assert routed["code"] not in _page(client.get("/review/"))

    auth.login(world.intermediary)
    assert routed["code"] in _page(client.get("/regranting/"))
    r = client.post(f"/regranting/applications/{routed['application']}/endorse",
                    data={"decision": "endorse", "note": "We know them: a land collective."})
    assert r.status_code == 302
    assert _status(app, routed["application"]) == ApplicationStatus.SUBMITTED

    auth.login(world.officer)
    assert routed["code"] in _page(client.get("/review/"))
    url = f"/review/applications/{routed['application']}/decide"
    terms = {"decision": "approve", "amount": "1,000", "currency": "USD",
             "start_date": "2027-01-01", "years": "1", "support_type": "project",
             "regrant_type": "FRG020", "confirmed": "1", "far_ok": "y"}
    assert "We know them: a land collective." in _page(client.get(url))  # the endorsement
    refused = client.post(url, data={**terms, "route": "direct"})
    assert "Not a valid choice" in _page(refused)  # not offered: the call needs one
    with app.app_context():
        assert db.session.scalar(sa.select(Award.id).where(
            Award.application_id == routed["application"])) is None
    assert client.post(url, data={**terms, "route": str(world.intermediary_org.id)}) \
        .status_code == 302

    with app.app_context():
        award = db.session.scalar(sa.select(Award).where(
            Award.application_id == routed["application"]))
        assert (award.organisation_id, award.regrant_type, award.regranting_minor) == (
            world.intermediary_org.id, RegrantType.TRANSFER_TO_INTERMEDIARY, 100_000)
        grant = db.session.scalar(sa.select(SubGrant).where(SubGrant.award_id == award.id))
        assert (grant.recipient_code, grant.recipient_organisation_id, grant.pass_through,
                grant.amount_minor, grant.intermediary_id) == (
            routed["code"], world.org.id, True, 100_000, world.intermediary_org.id)
        award_id = award.id
    assert _status(app, routed["application"]) == ApplicationStatus.APPROVED

    auth.login(world.intermediary)
    pool = _page(client.get(f"/regranting/awards/{award_id}"))
    assert routed["code"] in pool and "pass-through" in pool


def test_the_intermediary_declines_and_the_group_reads_why(app, client, auth, world, routed):
    _send_through_intermediary(client, auth, world, routed)
    auth.login(world.intermediary)
    url = f"/regranting/applications/{routed['application']}/endorse"
    assert "Write a message to the group." in _page(client.post(
        url, data={"decision": "decline", "note": ""}))
    assert client.post(url, data={"decision": "decline",
                                  "note": "We do not work in your region yet."}).status_code == 302
    assert _status(app, routed["application"]) == ApplicationStatus.DECLINED
    assert client.post(url, data={"decision": "endorse"}).status_code == 403  # answered
    auth.login(world.applicant)
    assert "We do not work in your region yet." in _page(
        client.get(f"/applications/{routed['application']}"))


def test_the_officer_may_fund_the_group_directly_where_the_call_allows(
        app, client, auth, world, routed):
    with database(app):
        db.session.get(Call, routed["call"]).allow_unregistered = True
    _send_through_intermediary_direct_allowed(client, auth, world, routed)
    auth.login(world.intermediary)
    client.post(f"/regranting/applications/{routed['application']}/endorse",
                data={"decision": "endorse"})
    auth.login(world.officer)
    page = _page(client.get(f"/review/applications/{routed['application']}/decide"))
    assert "Directly" in page and world.intermediary_org.name in page
    terms = {"decision": "approve", "amount": "500", "currency": "USD", "route": "direct",
             "start_date": "2027-01-01", "years": "1", "support_type": "project",
             "confirmed": "1", "far_ok": "y"}
    assert client.post(f"/review/applications/{routed['application']}/decide",
                       data=terms).status_code == 302
    with app.app_context():
        award = db.session.scalar(sa.select(Award).where(
            Award.application_id == routed["application"]))
        assert (award.organisation_id, award.regranting_minor) == (world.org.id, None)
        assert db.session.scalar(sa.select(sa.func.count(SubGrant.id)).where(
            SubGrant.award_id == award.id)) == 0


def _send_through_intermediary_direct_allowed(client, auth, world, routed) -> None:
    auth.login(world.applicant)
    url = f"/applications/{routed['application']}"
    assert "Directly to the funder" in _page(client.get(f"{url}/route"))
    client.post(f"{url}/route", data={"route": str(world.intermediary_org.id)})
    assert client.post(f"{url}/submit").status_code == 302


def test_routing_is_offered_only_to_intermediaries_serving_the_country(
        app, client, auth, world, routed):
    with database(app):
        far = factories.organisation(kind=OrgKind.INTERMEDIARY, country="PH", name="Far Fund",
                                     is_verified=True, accepts_routed_applications=True,
                                     serves_countries=["PH"])
        far_id = far.id
    auth.login(world.applicant)
    url = f"/applications/{routed['application']}/route"
    assert "Far Fund" not in _page(client.get(url))
    assert "Not a valid choice" in _page(client.post(url, data={"route": str(far_id)}))
    with app.app_context():
        assert db.session.get(Application, routed["application"]).intermediary_id is None


# The workspace: sub-grants, payments, the money rule -------------------------------------------

def _sub_grant(client, award_id: int, code: str, amount: str, **extra):
    data = {"recipient_code": code, "amount": amount, "country": "KE",
            "category": "programme", "theme": "", "keep_details": "none", **extra}
    return client.post(f"/regranting/awards/{award_id}/sub-grants/new", data=data)


def test_sub_grants_stay_within_the_pool_and_payments_within_each_grant(
        app, client, auth, world):
    auth.login(world.intermediary)
    award_id = world.regranting_award.id  # 4,000 for regranting; 500 already sub-granted
    assert _sub_grant(client, award_id, "MOV-A", "3,000").status_code == 302
    refused = _page(_sub_grant(client, award_id, "MOV-B", "600"))
    assert "Only $500.00 is left to sub-grant" in refused
    assert "code" in _page(_sub_grant(client, award_id, "MOV-A", "10")).lower()  # taken
    assert _sub_grant(client, award_id, "mov-b", "500",
                      keep_details="encrypted", recipient_details=DETAILS).status_code == 302
    with app.app_context():
        grant = db.session.scalar(sa.select(SubGrant).where(
            SubGrant.award_id == award_id, SubGrant.recipient_code == "MOV-B"))
        raw = db.session.execute(sa.text("SELECT recipient_details FROM sub_grants WHERE id = :i"),
                                 {"i": grant.id}).scalar()
        assert grant.recipient_details == DETAILS and DETAILS.encode() not in bytes(raw)
        unkept = db.session.scalar(sa.select(SubGrant).where(SubGrant.recipient_code == "MOV-A"))
        assert unkept.recipient_details is None
        grant_id = grant.id
    pool = _page(client.get(f"/regranting/awards/{award_id}"))
    assert "$4,000.00" in pool and "$0.00" in pool  # all sub-granted, none left

    with database(app):  # the funder paid the intermediary enough for all of it
        factories.paid_to_intermediary(db.session.get(Award, award_id),
                                       db.session.get(User, world.officer.id), 400_000)
    pay = f"/regranting/sub-grants/{grant_id}/payments/new"
    assert client.post(pay, data={"amount": "300", "route": "mobile_money",
                                  "paid_on": "2026-03-01"}).status_code == 302
    assert "Only $200.00 of MOV-B" in _page(client.post(pay, data={
        "amount": "250", "route": "trusted_partner", "paid_on": "2026-03-02"}))
    assert client.post(pay, data={"amount": "200", "route": "trusted_partner",
                                  "paid_on": "2026-03-02"}).status_code == 302
    with app.app_context():
        grant = db.session.get(SubGrant, grant_id)
        assert grant.paid_minor == 50_000 == sum(p.amount_minor for p in grant.payments)
        logged = " ".join(str(e.details) for e in db.session.scalars(sa.select(AuditEvent)))
        assert "Rosa" not in logged and "MOV-B" not in logged


def test_the_funder_reads_the_upward_report_never_a_sub_grantee(app, client, auth, world):
    with database(app):
        award = db.session.get(Award, world.regranting_award.id)
        for i in range(5):
            factories.sub_grant(award, code=f"KE-{i}", amount_minor=40_000, country="KE",
                                theme="land defenders")
        factories.sub_grant(award, code="UG-1", amount_minor=70_000, country="UG",
                            category="psychosocial", details=DETAILS)
    auth.login(world.officer)
    report = _page(client.get(f"/regranting/awards/{world.regranting_award.id}/report"))
    assert "Groups funded" in report and ">7<" in report
    assert "fewer than 5" in report and "not shown" in report
    assert "$700.00" not in report  # UG's single grant is never shown
    # the world's MOV sub-grant (KE, programme) joins the 5 KE ones: 6 groups, $2,500.00
    assert "$2,500.00" not in report  # KE would reveal UG by subtraction: suppressed too
    for secret in ("KE-0", "UG-1", world.sub_grant.recipient_code, "Rosa", "Contact"):
        assert secret not in report
    for url in (f"/regranting/sub-grants/{world.sub_grant.id}",
                f"/regranting/awards/{world.regranting_award.id}",
                f"/regranting/sub-grants/{world.sub_grant.id}/payments/new"):
        assert client.get(url).status_code == 404
    auth.login(world.intermediary)
    own = _page(client.get(f"/regranting/awards/{world.regranting_award.id}/report"))
    assert "UG-1" not in own and "fewer than 5" in own


def test_another_intermediary_sees_none_of_it(app, client, auth, world):
    with app.app_context():
        staff = factories.user(Role.INTERMEDIARY)
        factories.organisation(staff, kind=OrgKind.INTERMEDIARY, country="GT")
        db.session.commit()
        db.session.refresh(staff)
    auth.login(staff)
    page = _page(client.get("/regranting/"))
    assert world.regranting_award.reference not in page and world.routed.code_name not in page
    urls = [f"/regranting/awards/{world.regranting_award.id}",
            f"/regranting/awards/{world.regranting_award.id}/sub-grants/new",
            f"/regranting/awards/{world.regranting_award.id}/report",
            f"/regranting/sub-grants/{world.sub_grant.id}",
            f"/regranting/sub-grants/{world.sub_grant.id}/payments/new",
            f"/regranting/applications/{world.routed.id}/endorse",
            f"/applications/{world.routed.id}",
            f"/regranting/awards/{world.regranting_award.id}/calls/new",
            f"/regranting/calls/{world.own_call.id}/applications",
            f"/regranting/applications/{world.own_call_application.id}/decide",
            f"/applications/{world.own_call_application.id}"]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={}).status_code in (404, 405), url
    auth.login(world.intermediary)  # and the world's intermediary not the other's
    assert client.get(f"/regranting/sub-grants/{world.other_sub_grant.id}").status_code == 404


# The intermediary's own short call ------------------------------------------------------------

def test_an_intermediary_runs_its_own_call_and_makes_three_coded_sub_grants(
        app, client, auth, world):
    auth.login(world.intermediary)
    award_id = world.regranting_award.id
    r = client.post(f"/regranting/awards/{award_id}/calls/new", data={
        "title": "Small grants for land defenders", "description": "Up to 1,000.",
        "amount_min": "100", "amount_max": "1,000"})
    assert r.status_code == 302
    with app.app_context():
        call = db.session.scalar(sa.select(Call).where(Call.regranting_award_id == award_id,
                                                       Call.id != world.own_call.id))
        assert (call.intermediary_id, len(call.questions)) == (world.intermediary_org.id, 2)
        call_id = call.id
    assert client.post(f"/calls/{call_id}/open").status_code == 302  # the calls machinery
    auth.login(world.officer)
    assert client.get(f"/calls/{call_id}/edit").status_code == 403  # not the funder's call
    auth.login(world.applicant)
    assert client.get(f"/applications/new/{call_id}").status_code == 200

    with database(app):
        db.session.get(Organisation, world.intermediary_org.id).themes = ["land defenders"]
        call = db.session.get(Call, call_id)
        apps = [factories.application(call, factories.organisation(country=c),
                                      status=ApplicationStatus.SUBMITTED,
                                      amount_requested_minor=80_000)
                for c in ("KE", "KE", "UG", "TZ")]
        ids = [a.id for a in apps]
        codes = [a.code_name for a in apps]

    auth.login(world.officer)  # the funder sees none of it
    assert not any(code in _page(client.get("/review/")) for code in codes)
    assert not any(code in _page(client.get("/applications/")) for code in codes)
    assert client.get(f"/applications/{ids[0]}").status_code == 404
    assert client.get(f"/regranting/calls/{call_id}/applications").status_code == 404

    auth.login(world.intermediary)
    listing = _page(client.get(f"/regranting/calls/{call_id}/applications"))
    assert all(code in listing for code in codes)
    for application_id in ids[:3]:
        assert client.post(f"/regranting/applications/{application_id}/decide", data={
            "decision": "approve", "amount": "800", "category": "in_country_protection",
            "theme": "land defenders"}).status_code == 302
    assert client.post(f"/regranting/applications/{ids[3]}/decide", data={
        "decision": "decline", "message": "Our pool is spent this round."}).status_code == 302
    with app.app_context():
        grants = db.session.scalars(sa.select(SubGrant).where(
            SubGrant.application_id.in_(ids)).order_by(SubGrant.id)).all()
        assert [(g.recipient_code, g.amount_minor, g.pass_through, g.theme) for g in grants] == [
            (code, 80_000, False, "land defenders") for code in codes[:3]]
        assert db.session.scalar(sa.select(sa.func.count(Award.id)).where(
            Award.application_id.in_(ids))) == 0  # sub-grants, never awards
        assert db.session.get(Application, ids[3]).status == ApplicationStatus.DECLINED
    pool = _page(client.get(f"/regranting/awards/{award_id}"))
    assert "$2,900.00" in pool  # 500 before + 3 x 800 sub-granted


def test_above_the_threshold_the_pass_through_waits_for_the_second_officer(
        app, client, auth, world, routed):
    _send_through_intermediary(client, auth, world, routed)
    auth.login(world.intermediary)
    client.post(f"/regranting/applications/{routed['application']}/endorse",
                data={"decision": "endorse"})
    with app.app_context():
        colleague = factories.user(Role.OFFICER)
        db.session.commit()
        db.session.refresh(colleague)
    auth.login(world.officer)
    assert client.post(f"/review/applications/{routed['application']}/decide", data={
        "decision": "approve", "amount": "25,000", "currency": "USD", "years": "1",
        "start_date": "2027-01-01", "support_type": "project", "regrant_type": "FRG050",
        "route": str(world.intermediary_org.id), "confirmed": "1", "far_ok": "y"}
    ).status_code == 302

    def grants() -> list[SubGrant]:
        with app.app_context():
            award = db.session.scalar(sa.select(Award).where(
                Award.application_id == routed["application"]))
            assert award.regrant_type == RegrantType.FISCAL_SPONSOR
            return db.session.scalars(sa.select(SubGrant).where(
                SubGrant.award_id == award.id)).all(), award.id

    assert grants()[0] == []  # nothing passes on before the award is whole
    auth.login(colleague)
    assert client.post(f"/review/awards/{grants()[1]}/confirm").status_code == 302
    (grant,), _award_id = grants()
    assert (grant.pass_through, grant.amount_minor) == (True, 2_500_000)


def test_the_service_refuses_direct_funding_the_call_does_not_offer(app, world, routed):
    from grants.errors import ServiceError
    from grants.review import decisions

    with app.app_context():
        application = db.session.get(Application, routed["application"])
        application.status = ApplicationStatus.SUBMITTED
        with pytest.raises(ServiceError, match="only through an intermediary"):
            decisions.approve(db.session.get(User, world.officer.id), application,
                              amount_minor=10_000, currency="USD", start_date=None, years=1,
                              support_type=factories.SupportType.PROJECT)
        unverified = factories.organisation(kind=OrgKind.INTERMEDIARY)
        with pytest.raises(ServiceError, match="verified intermediary"):
            decisions.approve(db.session.get(User, world.officer.id), application,
                              amount_minor=10_000, currency="USD", start_date=None, years=1,
                              support_type=factories.SupportType.PROJECT,
                              intermediary=unverified)
        db.session.rollback()


def test_the_demo_has_two_intermediaries_a_pool_and_a_routed_application(app):
    from demo import data as demo
    from grants.intermediaries import pool, report

    with app.app_context():
        assert demo.load_demo()
        intermediaries = [o for o in db.session.scalars(sa.select(Organisation).where(
            Organisation.kind == OrgKind.INTERMEDIARY))
            if o.name in ("Regional Solidarity Fund", "Andean Defenders Network")]
        assert len({o.country for o in intermediaries}) == 2
        award = db.session.scalar(sa.select(Award).where(Award.reference == "AW-REGR-K05R"))
        figures = pool.pool(award)
        assert (figures.regranting, figures.sub_granted, figures.paid_out) == (
            2_000_000, 1_600_000, 900_000)
        text = report.as_text(report.upward_report(award))
        assert "Groups funded: 7" in text and "KE-LAND" not in text
        routed = db.session.scalar(sa.select(Application).where(
            Application.code_name == "GR-MTAA-K06E"))
        assert routed.status == ApplicationStatus.AWAITING_ENDORSEMENT
        db.session.rollback()


def test_the_intermediary_says_what_it_serves_and_groups_are_offered_it(
        app, client, auth, world, routed):
    with database(app):
        db.session.get(Organisation, world.intermediary_org.id).serves_countries = ["KE"]
    auth.login(world.applicant)
    route = f"/applications/{routed['application']}/route"
    assert world.intermediary_org.name not in _page(client.get(route))  # not serving CO now
    auth.login(world.intermediary)
    url = f"/regranting/organisations/{world.intermediary_org.id}/profile"
    assert "Not a country code: XX." in _page(client.post(url, data={
        "serves_countries": "KE, co, XX", "themes": "", "accepts_routed": "yes"}))
    assert client.post(url, data={"serves_countries": "KE, co", "accepts_routed": "yes",
                                  "themes": "land defenders\nwomen defenders\n"}
                       ).status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, world.intermediary_org.id)
        assert (org.serves_countries, org.themes) == (["KE", "CO"],
                                                      ["land defenders", "women defenders"])
    auth.login(world.applicant)
    assert world.intermediary_org.name in _page(client.get(route))


def test_the_funder_makes_a_regranting_award_confirmed_by_a_second_officer(
        app, client, auth, world):
    with app.app_context():
        db.session.get(Organisation, world.intermediary_org.id).is_verified = True
        colleague = factories.user(Role.OFFICER)
        db.session.commit()
        db.session.refresh(colleague)
    auth.login(world.officer)
    terms = {"intermediary": world.intermediary_org.id, "fund": world.fund.id,
             "amount": "30,000", "regranting": "30,001", "regrant_type": "FRG010",
             "start_date": "2027-01-01", "years": "2"}
    assert "at most the award" in _page(client.post("/regranting/awards/new", data=terms))
    r = client.post("/regranting/awards/new", data={**terms, "regranting": "25,000"})
    assert r.status_code == 302
    award_id = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        award = db.session.get(Award, award_id)
        assert (award.organisation_id, award.regrant_type, award.regranting_minor,
                award.status.value, len(award.tranches)) == (
            world.intermediary_org.id, RegrantType.COMMON_REGRANT, 2_500_000,
            "pending_approval", 2)
        assert sum(t.amount_minor for t in award.tranches) == 3_000_000
    auth.login(world.intermediary)
    assert client.get(f"/regranting/awards/{award_id}").status_code == 404  # not yet whole
    auth.login(colleague)
    assert client.post(f"/review/awards/{award_id}/confirm").status_code == 302
    auth.login(world.intermediary)
    assert "$25,000.00" in _page(client.get(f"/regranting/awards/{award_id}"))


def test_the_funder_reaches_the_upward_report_from_the_award_page(app, client, auth, world):
    auth.login(world.officer)
    page = client.get(f"/awards/{world.regranting_award.id}").data.decode()
    assert f"/regranting/awards/{world.regranting_award.id}/report" in page
    assert 'href="/regranting/awards/new"' in client.get("/awards/").data.decode()
    auth.login(world.applicant)  # a grantee's own award is no regranting award
    assert "/regranting/" not in client.get(f"/awards/{world.award.id}").data.decode()
    assert 'href="/regranting/awards/new"' not in client.get("/awards/").data.decode()
