"""360Giving open data: every export validates against the 1.4.3 schemas in
tests/standards/360giving/, and each award is published as its officer chose (anonymous
by default, named, or withheld), never naming a group at risk."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardStatus,
    CallType,
    OrgKind,
    RapidCategory,
    RiskLevel,
    Role,
)
from grants.models.reporting import Publication
from grants.reporting import opendata
from grants.reporting.exports import csv_chunks
from tests import factories
from tests import standard_360giving as standard
from tests.standard_360giving import assert_valid, unflatten

PREFIX = "360G-examplefunder"


@pytest.fixture(scope="module")
def package_validator():
    return standard.package_validator()


def json_package() -> dict:
    return json.loads("".join(opendata.package_chunks(opendata.grants())))


def flat_csv() -> str:
    rows = (opendata.flat_row(g) for g in opendata.grants())
    return "".join(csv_chunks(opendata.flat_header(), rows))


def by_id(package: dict) -> dict:
    return {g["id"]: g for g in package["grants"]}


# The demo data ----------------------------------------------------------------------------

def test_the_demo_data_exports_valid_360giving_json_and_csv(app, package_validator):
    from demo.data import load_demo

    with app.app_context():
        assert load_demo()
        db.session.flush()
        approved = db.session.scalars(sa.select(Award).where(
            Award.approved_at.is_not(None), Award.status.not_in(opendata.UNPUBLISHED))).all()
        eligible = next(a for a in approved if opendata.naming_refused(a) is None)
        opendata.set_publication(None, eligible, Publication.NAMED)
        package = json_package()
        assert_valid(package_validator, package)
        assert len(package["grants"]) == len(approved) >= 4
        grants = by_id(package)
        named = grants[opendata.grant_id(eligible.id)]
        assert named["recipientOrganization"][0]["name"] == eligible.organisation.name
        regrants = [g for g in package["grants"] if "regrantType" in g]
        assert [g["regrantType"] for g in regrants] == ["FRG010"]
        text = flat_csv()
        header = next(csv.reader(io.StringIO(text)))
        assert {"Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
                "Recipient Org:Identifier", "Recipient Org:Name", "Funding Org:Identifier",
                "Funding Org:Name", "Beneficiary Location:Country Code"} <= set(header)
        flat = unflatten(text)
        assert_valid(package_validator, flat)
        assert {g["id"] for g in flat["grants"]} == set(grants)
        assert by_id(flat)[named["id"]]["amountAwarded"] == named["amountAwarded"]


def test_an_empty_package_would_not_validate(package_validator):
    # Why the command line refuses to write a file with no grants.
    assert list(package_validator.iter_errors({"grants": []}))


# Privacy per award ------------------------------------------------------------------------

MARK = "ZQX-MARKER"


@pytest.fixture
def grants_world(app):
    """Awards of each kind with marker strings in every sensitive field."""
    with app.app_context():
        officer = factories.user(Role.OFFICER)
        fund = factories.fund(name="Protection Fund")
        call = factories.call(fund, title=f"{MARK} call title")
        rapid_call = factories.call(fund, call_type=CallType.RAPID_RESPONSE, questions=0)

        def awarded(org, call_=call, **fields):
            application = factories.application(
                call_, org, status=ApplicationStatus.UNDER_REVIEW, title=f"{MARK} title",
                threat_description=f"{MARK} threat", safe_contact=f"{MARK} contact",
                focus_populations=[f"{MARK} population"], **fields)
            return factories.award(application, officer, amount_minor=250_050, years=2)

        plain = factories.organisation(name=f"Plain Group {MARK}", kind=OrgKind.REGISTERED_NGO,
                                       country="KE", contact_details=f"{MARK} phone",
                                       legal_name=f"{MARK} legal", registration_number=MARK)
        risky = factories.organisation(name=f"Risky Group {MARK}", country="CO")
        # Kosovo's XK is not in 360Giving's codelist: it is published by name only.
        person = factories.organisation(name=f"A Person {MARK}",
                                        kind=OrgKind.INDIVIDUAL_DEFENDER, country="XK")
        w = {
            "officer": officer, "fund": fund,
            "anonymous": awarded(plain),
            "named": awarded(factories.organisation(name="Named Collective", country="BR")),
            "withheld": awarded(factories.organisation(name=f"Withheld {MARK}")),
            "risky": awarded(risky, risk_level=RiskLevel.HIGH),
            "person": awarded(person),
            "rapid": awarded(factories.organisation(name=f"Rapid {MARK}"), rapid_call,
                             rapid_category=RapidCategory.RELOCATION,
                             defender_alias=f"{MARK} alias", needs_now=f"{MARK} needs"),
            "pending": factories.award(factories.application(
                call, plain, status=ApplicationStatus.UNDER_REVIEW), officer,
                amount_minor=10_000_000),
            "regrant": factories.regranting_award(
                factories.organisation(name="Regional Fund", kind=OrgKind.INTERMEDIARY),
                fund, officer),
        }
        opendata.set_publication(officer, w["named"], Publication.NAMED)
        opendata.set_publication(officer, w["withheld"], Publication.WITHHELD)
        # Named before the group was found at risk: the export must still hide it.
        w["risky"].publication = Publication.NAMED
        db.session.commit()
        yield w


def test_each_award_is_published_as_chosen(app, grants_world, package_validator):
    w = grants_world
    package = json_package()
    assert_valid(package_validator, package)
    grants = by_id(package)
    assert opendata.grant_id(w["withheld"].id) not in grants
    assert opendata.grant_id(w["pending"].id) not in grants
    assert len(grants) == 6
    anonymous = grants[opendata.grant_id(w["anonymous"].id)]
    recipient = anonymous["recipientOrganization"][0]
    assert recipient == {"id": f"{anonymous['id'][:-16]}ANON-{anonymous['id'][-16:]}",
                         "name": "Anonymous recipient"}
    assert recipient["id"].startswith(f"{PREFIX}-ANON-")
    assert anonymous["beneficiaryLocation"] == [{"countryCode": "KE", "name": "Kenya"}]
    assert anonymous["amountAwarded"] == 2500.5 and anonymous["currency"] == "USD"
    assert anonymous["title"] == "Core support grant"
    assert anonymous["fundingOrganization"] == [{"id": PREFIX, "name": "Example Funder"}]
    named_grant = grants[opendata.grant_id(w["named"].id)]
    named = named_grant["recipientOrganization"][0]
    assert named["name"] == "Named Collective" and named["id"].startswith(f"{PREFIX}-ORG-")
    # The fund's name can say whom it serves: published beside a name the group chose only.
    assert named_grant["grantProgramme"][0]["title"] == w["fund"].name
    for key in ("anonymous", "risky", "person", "rapid"):
        assert "grantProgramme" not in grants[opendata.grant_id(w[key].id)], key
    flat = list(csv.reader(io.StringIO(flat_csv())))
    programme = flat[0].index("Grant Programme:Title")
    assert sorted(row[programme] for row in flat[1:] if row[programme]) == [w["fund"].name]
    risky = grants[opendata.grant_id(w["risky"].id)]["recipientOrganization"][0]
    assert risky["name"] == "Anonymous recipient"
    person = grants[opendata.grant_id(w["person"].id)]
    assert "recipientOrganization" not in person
    assert person["recipientIndividual"]["name"] == "Individual recipient"
    assert person["recipientIndividual"]["id"].startswith(f"{PREFIX}-IND-")
    assert person["beneficiaryLocation"] == [{"name": "Kosovo"}]
    rapid = grants[opendata.grant_id(w["rapid"].id)]
    assert rapid["title"] == "Emergency grant"
    assert rapid["recipientOrganization"][0]["name"] == "Anonymous recipient"
    assert grants[opendata.grant_id(w["regrant"].id)]["regrantType"] == "FRG020"
    for text in (json.dumps(package), flat_csv()):
        assert MARK not in text
        for award in w.values():
            if isinstance(award, Award):
                assert award.reference not in text
                assert award.reference.removeprefix("AW-") not in text


def test_anonymous_recipients_cannot_be_linked_across_grants(app, grants_world):
    w = grants_world
    second = factories.award(factories.application(
        factories.call(w["fund"]), w["anonymous"].organisation,
        status=ApplicationStatus.UNDER_REVIEW), w["officer"], amount_minor=100_000)
    grants = by_id(json_package())
    first_id = grants[opendata.grant_id(w["anonymous"].id)]["recipientOrganization"][0]
    second_id = grants[opendata.grant_id(second.id)]["recipientOrganization"][0]
    assert first_id["id"] != second_id["id"]


def test_naming_is_refused_for_groups_at_risk_emergencies_and_individuals(app, grants_world):
    w = grants_world
    for key in ("risky", "rapid", "person"):
        with pytest.raises(ServiceError):
            opendata.set_publication(w["officer"], w[key], Publication.NAMED)
    # Another award of the group at risk is not named either.
    other = factories.award(factories.application(
        factories.call(w["fund"]), w["risky"].organisation,
        status=ApplicationStatus.UNDER_REVIEW), w["officer"], amount_minor=100_000)
    assert opendata.naming_refused(other)
    other.publication = Publication.NAMED  # set before the risk was known
    db.session.flush()
    published = by_id(json_package())[opendata.grant_id(other.id)]
    assert published["recipientOrganization"][0]["name"] == "Anonymous recipient"
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "award.publication_changed")).all()
    assert {(e.object_id, e.details["after"]) for e in events} == {
        (w["named"].id, "named"), (w["withheld"].id, "withheld")}


def test_grant_ids_are_stable_and_reveal_nothing(app, grants_world):
    first = [g["id"] for g in json_package()["grants"]]
    second = [g["id"] for g in json_package()["grants"]]
    assert first == second and len(set(first)) == len(first)
    assert all(re.fullmatch(rf"{PREFIX}-[0-9a-f]{{16}}", i) for i in first)
    app.config["OPEN_DATA_ID_KEY"] = "another key"
    try:
        assert [g["id"] for g in json_package()["grants"]] != first
    finally:
        app.config["OPEN_DATA_ID_KEY"] = None


def test_only_approved_awards_are_published(app, grants_world):
    w = grants_world
    w["anonymous"].status = AwardStatus.CANCELLED
    db.session.flush()
    grants = by_id(json_package())
    assert opendata.grant_id(w["anonymous"].id) not in grants
    assert w["pending"].approved_at is None
    assert opendata.grant_id(w["pending"].id) not in grants


def test_the_flat_csv_neutralises_formulas_in_names(app, grants_world, package_validator):
    w = grants_world
    w["named"].organisation.name = "=HYPERLINK(\"http://x.example\")"
    db.session.flush()
    text = flat_csv()
    assert "'=HYPERLINK" in text
    assert_valid(package_validator, unflatten(text))


# The command line, the download and the award page ---------------------------------------

def test_the_command_writes_a_valid_file(app, runner, grants_world, tmp_path,
                                         package_validator):
    out = tmp_path / "grants.json"
    result = runner.invoke(args=["export", "360giving", "-o", str(out)])
    assert result.exit_code == 0, result.output
    package = json.loads(out.read_text())
    assert_valid(package_validator, package)
    assert len(package["grants"]) == 6
    flat = tmp_path / "grants.csv"
    result = runner.invoke(args=["export", "360giving", "-o", str(flat), "--format", "csv"])
    assert result.exit_code == 0, result.output
    back = unflatten(flat.read_text())
    assert_valid(package_validator, back)
    assert {g["id"] for g in back["grants"]} == {g["id"] for g in package["grants"]}
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "export.open_data").order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.details["format"], e.details["rows"], e.details["via"])
            for e in events] == [(None, "json", 6, "cli"), (None, "csv", 6, "cli")]


def test_the_command_refuses_an_empty_file(app, runner, tmp_path):
    result = runner.invoke(args=["export", "360giving", "-o", str(tmp_path / "x.json")])
    assert result.exit_code != 0 and "no grants" in result.output
    assert not (tmp_path / "x.json").exists()


def test_admins_and_officers_download_open_data(app, client, auth, world, package_validator):
    auth.login(world.admin)
    response = client.get("/exports/360giving.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="360giving')
    package = json.loads(response.data)
    assert_valid(package_validator, package)
    assert "regrantType" in by_id(package)[_grant_id(app, world.regranting_award.id)]
    response = client.get("/exports/360giving.csv?fund=" + str(world.fund.id))
    assert_valid(package_validator, unflatten(response.data.decode()))
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "export.open_data").order_by(AuditEvent.id.desc())).first()
        assert event.actor_id == world.admin.id and event.details["via"] == "web"
        published = db.session.scalar(sa.select(sa.func.count(Award.id)).where(
            Award.fund_id == world.fund.id, Award.approved_at.is_not(None),
            Award.status.not_in(opendata.UNPUBLISHED)))
        assert event.details["fund"] == world.fund.id and event.details["rows"] == published
        assert published == len(unflatten(response.data.decode())["grants"]) >= 2


def _grant_id(app, award_id: int) -> str:
    with app.test_request_context():
        return opendata.grant_id(award_id)


def test_an_officer_sets_the_publication_on_the_award_page(app, client, auth, world):
    auth.login(world.officer)
    page = client.get(f"/awards/{world.award.id}").data.decode()
    assert 'id="open-data"' in page and 'value="anonymous" checked' in page
    r = client.post(f"/exports/awards/{world.award.id}/publication",
                    data={"publication": "named"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#open-data")
    with app.app_context():
        assert db.session.get(Award, world.award.id).publication == Publication.NAMED
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "award.publication_changed")).one()
        assert event.details == {"before": "anonymous", "after": "named"}
    r = client.post(f"/exports/awards/{world.award.id}/publication",
                    data={"publication": "everything"}, follow_redirects=True)
    assert "Choose how this award appears" in r.data.decode()


def test_naming_a_group_at_risk_is_refused_on_the_page(app, client, auth, world):
    with app.app_context():
        db.session.get(Award, world.award.id).application.risk_level = RiskLevel.HIGH
        db.session.commit()
    auth.login(world.officer)
    page = client.get(f"/awards/{world.award.id}").data.decode()
    assert 'value="named" disabled' in page
    r = client.post(f"/exports/awards/{world.award.id}/publication",
                    data={"publication": "named"}, follow_redirects=True)
    assert "never named in open data" in r.data.decode()
    with app.app_context():
        assert db.session.get(Award, world.award.id).publication == Publication.ANONYMOUS


def test_the_group_does_not_see_the_choice(client, auth, world):
    auth.login(world.applicant)
    page = client.get(f"/awards/{world.award.id}").data.decode()
    assert 'id="open-data"' not in page
    r = client.post(f"/exports/awards/{world.award.id}/publication",
                    data={"publication": "named"})
    assert r.status_code == 403
