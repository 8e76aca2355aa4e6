"""`flask bench-data`: the benchmark's portfolio in the right proportions, encrypted as the
portal encrypts, within the money rule, and never written over real data."""

from __future__ import annotations

import sqlalchemy as sa

from bench.app.datagen import STAFF, Plan
from grants.extensions import db
from grants.models import (
    PROTECTION_CATEGORIES,
    PSYCHOSOCIAL_CATEGORIES,
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    Award,
    Call,
    CallType,
    Disbursement,
    DisbursementStatus,
    Organisation,
    OrgKind,
    SubGrant,
    Tranche,
    User,
)
from tests import factories

SCALE = 0.001


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _generate(runner, *args):
    return runner.invoke(args=["bench-data", "--scale", str(SCALE), *args])


def test_fills_every_table_in_proportion(app, runner):
    result = _generate(runner)
    assert result.exit_code == 0, result.output
    assert "Done:" in result.output and "rows in" in result.output
    plan = Plan(SCALE)
    with app.app_context():
        assert _count(Organisation) == plan.organisations + plan.intermediaries
        assert _count(Organisation, Organisation.kind == OrgKind.INTERMEDIARY) == 2
        assert _count(User) == plan.organisations + plan.intermediaries + len(STAFF)
        assert _count(Call) == plan.calls == 10
        assert _count(Call, Call.call_type == CallType.RAPID_RESPONSE) >= 1
        assert _count(Call, Call.call_type == CallType.CONVENING) >= 1
        assert _count(Application) == plan.applications == 100
        assert _count(Award) == plan.awards == 30
        assert _count(Tranche) == 3 * plan.awards
        assert _count(Disbursement) == plan.payments == 100
        paid = _count(Disbursement, Disbursement.status == DisbursementStatus.PAID)
        assert paid > 0.7 * plan.payments
        assert _count(SubGrant) == plan.sub_grants == 20
        drafts = _count(Application, Application.status == ApplicationStatus.DRAFT)
        assert 1 <= drafts < 0.3 * plan.applications  # mostly sent or decided
        for table in db.metadata.sorted_tables:
            if table.name in _GENERATED:
                assert db.session.scalar(sa.select(sa.func.count()).select_from(table)), table


_GENERATED = {
    "users", "organisations", "memberships", "funds", "calls", "call_texts", "call_questions",
    "applications", "application_answers", "budget_lines", "application_status_changes",
    "reviews", "messages", "awards", "tranches", "report_requirements", "reports",
    "disbursements", "sub_grants", "sub_grant_payments",
}


def test_budgets_carry_protection_and_psychosocial_lines(app, runner):
    assert _generate(runner).exit_code == 0
    with app.app_context():
        sent = db.session.scalars(sa.select(Application).where(
            Application.status != ApplicationStatus.DRAFT)).all()
        for application in sent:
            categories = {line.category for line in application.budget_lines}
            assert categories & PROTECTION_CATEGORIES, application.code_name
            assert categories & PSYCHOSOCIAL_CATEGORIES, application.code_name
            total = sum(line.amount_minor for line in application.budget_lines)
            assert total == application.amount_requested_minor


def test_money_rule_holds(app, runner):
    assert _generate(runner).exit_code == 0
    with app.app_context():
        committed = db.session.execute(
            sa.select(Tranche.amount_minor, sa.func.sum(Disbursement.amount_minor))
            .join(Disbursement, Disbursement.tranche_id == Tranche.id)
            .where(Disbursement.status.in_([s.value for s in (
                DisbursementStatus.SCHEDULED, DisbursementStatus.APPROVED,
                DisbursementStatus.SENT, DisbursementStatus.PAID)]))
            .group_by(Tranche.id, Tranche.amount_minor)).all()
        assert committed and all(total <= amount for amount, total in committed)
        for award in db.session.scalars(sa.select(Award).where(
                Award.regranting_minor.is_not(None))):
            granted = db.session.scalars(sa.select(SubGrant).where(
                SubGrant.award_id == award.id)).all()
            assert sum(s.amount_minor for s in granted) <= award.regranting_minor
            assert all(s.paid_minor <= s.amount_minor for s in granted)
        assert sum(t.amount_minor for t in db.session.scalars(sa.select(Tranche).where(
            Tranche.award_id == 1))) == db.session.get(Award, 1).amount_minor


def test_encrypted_fields_are_encrypted_and_decrypt(app, runner):
    assert _generate(runner).exit_code == 0
    with app.app_context():
        answer = db.session.scalars(sa.select(ApplicationAnswer).limit(1)).one()
        assert answer.text.endswith(".") and len(answer.text) > 20
        raw = db.session.execute(sa.text(
            "SELECT text FROM application_answers WHERE id = :id"), {"id": answer.id}).scalar()
        assert answer.text.encode() not in bytes(raw)
        org = db.session.scalars(sa.select(Organisation).where(
            Organisation.contact_details.is_not(None)).limit(1)).one()
        assert org.contact_details.startswith("Signal via partner")
        route = db.session.scalars(sa.select(Disbursement).where(
            Disbursement.route_details.is_not(None)).limit(1)).one()
        assert isinstance(route.route_details, dict)
        officer = db.session.scalar(sa.select(User).where(User.username == "bench-officer-1"))
        assert officer.totp_enabled and len(officer.totp_secret) == 32
        # Every group's owner has an address, so an officer's message writes a notice
        # (bench/jobs.py); staff have none. Encrypted like any address.
        owner = db.session.scalar(sa.select(User).where(User.username == "bench-owner-1"))
        assert owner.email == "bench-owner-1@example.org" and officer.email is None
        raw = db.session.execute(sa.text("SELECT email FROM users WHERE id = :id"),
                                 {"id": owner.id}).scalar()
        assert b"example.org" not in bytes(raw)
        # What groups type: names, titles, budget lines, sub-grants' purposes.
        for table, column in (("organisations", "name"), ("applications", "title"),
                              ("budget_lines", "description"), ("sub_grants", "purpose")):
            model = next(m for m in db.Model.registry.mappers
                         if m.local_table.name == table).class_
            row = db.session.scalars(sa.select(model).limit(1)).one()
            typed = getattr(row, column)
            raw = db.session.execute(sa.text(
                f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row.id}).scalar()  # noqa: S608
            assert typed and typed.encode() not in bytes(raw), (table, column)


def test_refuses_bench_data_without_reset(app, runner):
    assert _generate(runner).exit_code == 0
    again = _generate(runner)
    assert again.exit_code != 0
    assert "already holds bench data; pass --reset" in again.output
    kept = _generate(runner, "--reuse")  # the same scale: nothing to do
    assert kept.exit_code == 0 and "kept" in kept.output


def test_refuses_real_data_even_with_reset(app, runner):
    with app.app_context():
        factories.user(username="someone-real")
        db.session.commit()
    result = _generate(runner, "--reset")
    assert result.exit_code != 0
    assert "did not create" in result.output
    with app.app_context():
        assert _count(Application) == 0


def test_bare_route_only_in_bench_mode(app, client):
    from grants import create_app

    assert "bench.bare" not in app.view_functions
    assert client.get("/_bench/bare").status_code == 404
    bench = create_app({"TESTING": True, "BENCH": True, "SECRET_KEY": app.config["SECRET_KEY"],
                        "DATA_KEYS": app.config["DATA_KEYS"],
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    answer = bench.test_client().get("/_bench/bare")
    assert answer.status_code == 200 and answer.data == b"ok"


def test_timestamps_are_stored_as_the_portal_stores_them(app, runner):
    # The bulk writer once left datetimes to the sqlite3 module, which drops ".000000":
    # SQLite then compared a whole-second approval with a period's start as a shorter
    # string, and counted it in the period before. Whatever the driver, a timestamp read
    # back compares equal to the same moment bound by the portal.
    assert _generate(runner).exit_code == 0
    with app.app_context():
        approved = db.session.scalars(sa.select(Award.approved_at).where(
            Award.approved_at.is_not(None))).all()
        whole = [t for t in approved if t.microsecond == 0]
        assert whole, "the generator approves on the hour: expected whole seconds"
        for moment in whole[:20]:
            assert _count(Award, Award.approved_at >= moment,
                          Award.approved_at <= moment) >= 1, moment
