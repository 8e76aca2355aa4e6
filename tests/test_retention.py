"""Retention: what is past its period is deleted or erased, the rest stays, and the figures
that are the funder's accounts survive."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Disbursement,
    Message,
    Report,
    UserSession,
)
from grants.models.types import utcnow
from grants.security.retention import purge
from tests import factories

LONG_AGO = timedelta(days=1000)


def _age(application: Application, *, status: ApplicationStatus) -> None:
    application.status = status
    application.decided_at = utcnow() - LONG_AGO
    db.session.flush()
    db.session.execute(sa.update(Application).where(Application.id == application.id)
                       .values(updated_at=utcnow() - LONG_AGO))


def test_old_declined_applications_and_idle_drafts_are_deleted(app, world):
    with app.app_context():
        declined = db.session.get(Application, world.other_application.id)
        _age(declined, status=ApplicationStatus.DECLINED)
        db.session.add(Message(application_id=declined.id, sender_id=world.officer.id,
                               body="We cannot fund this"))
        draft = db.session.get(Application, world.application.id)
        db.session.execute(sa.update(Application).where(Application.id == draft.id)
                           .values(updated_at=utcnow() - LONG_AGO))
        fresh = factories.application(db.session.get(Application, world.submitted.id).call,
                                      draft.organisation)  # a draft touched today
        db.session.commit()
        dry = purge({}, dry_run=True)
        assert dry.counts["applications deleted (declined)"] == 1
        assert db.session.get(Application, declined.id) is not None  # a dry run changes nothing
        report = purge({})
        db.session.commit()
        assert report.counts["applications deleted (declined)"] == 1
        assert report.counts["applications deleted (idle_drafts)"] == 1
        assert db.session.get(Application, world.other_application.id) is None
        assert db.session.get(Application, world.application.id) is None
        assert db.session.get(Application, fresh.id) is not None
        assert db.session.get(Application, world.submitted.id) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_a_closed_award_keeps_its_figures_and_loses_its_sensitive_fields(app, world):
    with app.app_context():
        award = db.session.get(Award, world.award.id)
        award.status, award.closed_at = AwardStatus.CLOSED, utcnow() - LONG_AGO
        award.application.threat_description = "Followed home"
        payment = db.session.get(Disbursement, world.disbursement.id)
        payment.bank_details = "CO12 3456 7890"
        db.session.commit()
        assert purge({"closed_awards": 2000}).counts[
            "applications erased (closed awards)"] == 0  # not due yet
        report = purge({})
        db.session.commit()
        assert report.counts["applications erased (closed awards)"] == 1
        assert report.counts["reports erased (closed awards)"] == 1
        db.session.expire_all()
        award = db.session.get(Award, world.award.id)
        assert award.application.threat_description is None
        assert db.session.get(Report, world.report.id).answers is None
        payment = db.session.get(Disbursement, world.disbursement.id)
        assert payment.bank_details is None and payment.amount_minor == 10_000
        assert award.amount_minor == 300_000 and len(award.tranches) == 3
        assert purge({}).counts["applications erased (closed awards)"] == 0  # once only


def test_ended_sessions_go_and_the_purge_is_audited(app, runner, world, auth):
    auth.login(world.applicant)
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(ended_at=utcnow() - LONG_AGO))
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "user_sessions deleted: 1" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
        from grants.models import AuditEvent
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "retention.purged")).one()
        assert event.details["user_sessions deleted"] == 1
