"""Commands: demo data once, codes for demo staff, the audit check."""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, Award, Call, CallStatus, Disbursement, User


def test_demo_loads_once_and_every_demo_user_can_log_in(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "loaded" in first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) >= 7
        awards = list(db.session.scalars(sa.select(Award)))
        assert {(a.status.value, a.support_type.value, a.years) for a in awards} == {
            ("active", "core", 3), ("active", "project", 1), ("pending_approval", "core", 3),
            ("closed", "project", 1)}
        for award in awards:  # every demo award keeps the money rule
            assert sum(t.amount_minor for t in award.tranches) == award.amount_minor
            assert sum(line.amount_minor for line in award.budget_lines) == award.amount_minor
        payments = {d.status.value for d in db.session.scalars(sa.select(Disbursement))}
        assert payments == {"paid", "sent", "scheduled"}
        for award in awards:  # paid and in flight never above what was released
            committed = sum(d.amount_minor for t in award.tranches for d in db.session.scalars(
                sa.select(Disbursement).where(Disbursement.tranche_id == t.id)))
            assert committed <= award.amount_minor
        statuses = set(db.session.scalars(sa.select(Application.status)))
        assert {s.value for s in statuses} >= {"draft", "submitted", "withdrawn", "approved",
                                               "under_review"}
        open_types = set(db.session.scalars(sa.select(Call.call_type).where(
            Call.status == CallStatus.OPEN)))
        assert len(open_types) >= 3
    code = runner.invoke(args=["totp", "officer"]).output.strip()
    client = app.test_client()
    r = client.post("/auth/login", data={"username": "officer", "password": "demo password 2026"})
    assert r.headers["Location"] == "/auth/2fa"
    assert client.post("/auth/2fa", data={"code": code}).status_code == 302
    assert client.get("/funds/").status_code == 200
    applicant = app.test_client()
    r = applicant.post("/auth/login", data={"username": "applicant",
                                            "password": "demo password 2026"})
    assert r.headers["Location"] == "/"
    assert b"Rivers Collective" in applicant.get("/").data


def test_demo_commands_are_refused_in_production(app, runner):
    app.config["DEMO_COMMANDS"] = False
    try:
        assert runner.invoke(args=["demo"]).exit_code != 0
        assert runner.invoke(args=["totp", "officer"]).exit_code != 0
    finally:
        app.config["DEMO_COMMANDS"] = True


def test_audit_verify_command(runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_create_admin_command(app, runner):
    result = runner.invoke(args=["create-admin", "root-admin"],
                           input="a long admin password\na long admin password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.username == "root-admin")).value \
            == "admin"
