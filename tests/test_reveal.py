"""Reveal on demand: a high-risk group's details open to an officer only after they say
why; it is logged, lasts REVEAL_HOURS, and is that officer's alone."""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, AuditEvent, RiskLevel, Role, User
from tests import factories

THREAT = "They photographed our office door"
CONTACT = "Signal +57 300 000 0000"  # the world's group's contact details


def _high_risk(app, world) -> int:
    with app.app_context():
        application = db.session.get(Application, world.submitted.id)
        application.risk_level, application.threat_description = RiskLevel.HIGH, THREAT
        db.session.commit()
        return application.id


def test_details_open_for_the_officer_who_said_why_and_only_for_a_while(app, client, auth,
                                                                        world):
    app_id = _high_risk(app, world)
    org_page = f"/orgs/{world.org.id}"
    auth.login(world.officer)
    assert THREAT not in client.get(f"/applications/{app_id}").data.decode()
    assert CONTACT not in client.get(org_page).data.decode()
    client.post(f"/applications/{app_id}/reveal", data={"reason": "contact"})
    assert THREAT in client.get(f"/applications/{app_id}").data.decode()
    assert CONTACT in client.get(org_page).data.decode()

    with app.app_context():  # another officer has not revealed anything
        colleague = factories.user(Role.OFFICER)
        db.session.commit()
        db.session.refresh(colleague)
    auth.login(colleague)
    assert THREAT not in client.get(f"/applications/{app_id}").data.decode()

    auth.login(world.officer)  # once the period is over the details close again
    app.config["REVEAL_HOURS"] = 0
    try:
        assert THREAT not in client.get(f"/applications/{app_id}").data.decode()
    finally:
        app.config["REVEAL_HOURS"] = 8
    with app.app_context():  # the log says who and why, and its chain still holds
        from grants.security.audit import verify_chain

        (event,) = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "application.revealed"))
        assert event.details == {"reason": "contact"} and verify_chain() is None


def test_the_group_sees_its_own_details_without_revealing(app, client, auth, world):
    app_id = _high_risk(app, world)
    auth.login(world.applicant)
    page = client.get(f"/applications/{app_id}").data.decode()
    assert THREAT in page and "Sensitive details are hidden" not in page
    assert client.post(f"/applications/{app_id}/reveal",
                       data={"reason": "other"}).status_code == 403


def test_a_low_risk_application_needs_no_reveal(app, client, auth, world):
    with app.app_context():
        db.session.get(Application, world.submitted.id).threat_description = THREAT
        db.session.commit()
    auth.login(world.officer)
    page = client.get(f"/applications/{world.submitted.id}").data.decode()
    assert THREAT in page and "Sensitive details are hidden" not in page
    with app.app_context():
        assert db.session.get(User, world.officer.id) is not None
