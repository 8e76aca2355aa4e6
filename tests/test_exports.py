"""Officers' exports (CSV, XLSX): columns, formula neutralisation, no sensitive field,
filters, the audit trail, and streaming with flat memory and batched queries."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardStatus,
    DisbursementStatus,
    OrgKind,
    RiskLevel,
    Role,
    SupportType,
)
from grants.models.types import utcnow
from grants.reporting import exports, opendata
from tests import factories
from tests.conftest import count_queries

MARK = "QZV-SENSITIVE"


def test_formula_cells_are_neutralised():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert exports.neutralise(f"{start}1+1") == f"'{start}1+1"
    assert exports.neutralise("Rivers Collective") == "Rivers Collective"
    assert exports.neutralise(-5) == -5 and exports.neutralise(None) is None
    text = "".join(exports.csv_chunks(["a", "b"], [["=cmd|' /C calc'!A0", "@SUM(1)"]]))
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=cmd|' /C calc'!A0", "'@SUM(1)"]


@pytest.fixture
def data(app):
    """An officer, a plain group's award with a payment, a group at high risk with an
    award, markers in every encrypted field, and a second fund."""
    with app.app_context():
        officer = factories.user(Role.OFFICER)
        fund = factories.fund(name="Protection Fund")
        other_fund = factories.fund(name="=Other fund")
        call = factories.call(fund, title="Protection 2027")
        plain = factories.organisation(
            name="=HYPERLINK(\"http://evil.example\",\"x\")", kind=OrgKind.REGISTERED_NGO,
            country="KE", contact_details=f"{MARK} phone", legal_name=f"{MARK} legal",
            registration_number=f"{MARK} reg")
        risky = factories.organisation(name=f"Hidden Group {MARK}", country="CO")

        def sent(org, call_=call, **fields):
            return factories.application(
                call_, org, status=ApplicationStatus.UNDER_REVIEW, title=f"{MARK} title",
                threat_description=f"{MARK} threat", safe_contact=f"{MARK} contact",
                focus_populations=[f"{MARK} population"], defender_alias=f"{MARK} alias",
                needs_now=f"{MARK} needs", gender_risk=f"{MARK} gender",
                endorsement_note=f"{MARK} endorsement", **fields)

        award = factories.award(sent(plain), officer, amount_minor=250_050, years=1,
                                support_type=SupportType.PROJECT)
        tranche = factories.release(award.tranches[0], officer)
        payment = factories.disbursement(tranche, officer, amount_minor=100_025,
                                         status=DisbursementStatus.PAID)
        payment.bank_details, payment.note = f"{MARK} bank", f"{MARK} note"
        payment.route_details = {"account": f"{MARK} route"}
        risky_app = sent(risky, risk_level=RiskLevel.HIGH)
        risky_award = factories.award(risky_app, officer, amount_minor=100_000, years=1)
        factories.release(risky_award.tranches[0], officer)
        factories.disbursement(risky_award.tranches[0], officer, amount_minor=5_000)
        elsewhere = factories.award(sent(plain, factories.call(other_fund)), officer,
                                    amount_minor=70_000, years=1)
        db.session.commit()
        # Plain values: each request below runs in its own app context and session.
        return {"officer": _ref(officer), "fund": fund.id, "other_fund": other_fund.id,
                "award": award.reference, "group": plain.name, "payment": payment.id,
                "risky": risky_award.reference, "risky_code": risky_app.code_name,
                "elsewhere": elsewhere.reference, "plain_app": award.application.code_name,
                "plain_app_id": award.application_id,
                "start_date": award.start_date.isoformat()}


def _ref(user):
    db.session.refresh(user)
    return user


def _csv(client, kind: str, **args) -> list[dict]:
    response = client.get(f"/exports/{kind}.csv", query_string=args)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{kind}-')
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def test_the_awards_export(app, client, auth, data):
    auth.login(data["officer"])
    rows = {r["Reference"]: r for r in _csv(client, "awards")}
    row = rows[data["award"]]
    assert row["Group"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert (row["Amount"], row["Paid"], row["Currency"]) == ("2500.50", "1000.25", "USD")
    assert (row["Status"], row["Support"], row["Kind of group"]) == (
        "active", "project", "registered_ngo")
    assert (row["Country"], row["Fund"], row["Call"], row["Type of call"]) == (
        "KE", "Protection Fund", "Protection 2027", "open")
    assert row["Start date"] == data["start_date"]
    assert row["Open data"] == "anonymous"
    # The group at high risk appears by its application's code name only.
    assert rows[data["risky"]]["Group"] == data["risky_code"]
    assert rows[data["elsewhere"]]["Fund"] == "'=Other fund"


def test_the_payments_and_applications_exports(app, client, auth, data):
    auth.login(data["officer"])
    payments = {r["Payment"]: r for r in _csv(client, "payments")}
    row = payments[str(data["payment"])]
    assert (row["Award"], row["Amount"], row["Currency"], row["Status"], row["Route"]) == (
        data["award"], "1000.25", "USD", "paid", "bank_transfer")
    assert [r["Group"] for r in payments.values() if r["Award"] == data["risky"]] \
        == [data["risky_code"]]
    applications = {r["Reference"]: r for r in _csv(client, "applications")}
    row = applications[data["plain_app"]]
    assert (row["Status"], row["Amount requested"], row["Currency"], row["Country"]) == (
        "approved", "1000.00", "USD", "KE")
    assert "Group" not in row and "Title" not in row


def test_no_sensitive_field_in_any_export(app, client, auth, data):
    auth.login(data["officer"])
    texts = []
    for kind in exports.KINDS:
        texts.append(client.get(f"/exports/{kind}.csv").data.decode())
        with zipfile.ZipFile(io.BytesIO(client.get(f"/exports/{kind}.xlsx").data)) as z:
            texts.extend(z.read(name).decode() for name in z.namelist())
    texts += [client.get(f"/exports/360giving.{fmt}").data.decode() for fmt in ("json", "csv")]
    assert len(texts) > 8
    for text in texts:
        assert MARK not in text
    assert data["group"].split("(")[0] in texts[0]  # names do appear


def test_the_xlsx_keeps_numbers_and_neutralises_text(app, client, auth, data):
    auth.login(data["officer"])
    response = client.get("/exports/awards.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.values)
    header, body = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[0] == "Reference"
    row = body[data["award"]]
    assert row["Group"].startswith("'=HYPERLINK")
    assert float(row["Amount"]) == 2500.5 and row["Currency"] == "USD"
    formulas = [c for r in load_workbook(io.BytesIO(response.data)).active.iter_rows()
                for c in r if c.data_type == "f"]
    assert formulas == []


def test_filters_by_fund_and_period(app, client, auth, data):
    auth.login(data["officer"])
    in_fund = {r["Reference"] for r in _csv(client, "awards", fund=data["fund"])}
    assert data["award"] in in_fund and data["elsewhere"] not in in_fund
    today = date.today()
    assert len(_csv(client, "awards", start=(today - timedelta(days=1)).isoformat(),
                    end=today.isoformat())) == 3
    assert _csv(client, "awards", start=(today + timedelta(days=1)).isoformat()) == []
    assert _csv(client, "payments", end=(today - timedelta(days=1)).isoformat()) == []
    # A period that ends before it starts goes back to the page, which says why.
    r = client.get("/exports/awards.csv", query_string={"start": "2026-05-02",
                                                        "end": "2026-05-01"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).data.decode()
    assert "The end of the period comes before its start." in page


def test_each_download_is_audited_without_content(app, client, auth, data):
    auth.login(data["officer"])
    client.get("/exports/awards.csv", query_string={"fund": data["fund"]})
    client.get("/exports/payments.xlsx")
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "export.downloaded").order_by(AuditEvent.id)).all()
        assert [(e.actor_id, e.details["export"], e.details["format"], e.details["rows"],
                 e.details["fund"]) for e in events] == [
            (data["officer"].id, "awards", "csv", 2, data["fund"]),
            (data["officer"].id, "payments", "xlsx", 2, None)]
        assert MARK not in json.dumps([e.details for e in events])


def test_a_declared_conflict_hides_the_award_and_its_application(app, client, auth, data):
    with app.app_context():
        factories.assign(db.session.get(Application, data["plain_app_id"]),
                         data["officer"], conflict=True)
        db.session.commit()
    auth.login(data["officer"])
    assert data["award"] not in {r["Reference"] for r in _csv(client, "awards")}
    assert data["plain_app"] not in {
        r["Reference"] for r in _csv(client, "applications")}
    assert data["award"] not in {r["Award"] for r in _csv(client, "payments")}


def test_the_exports_page(app, client, auth, data):
    auth.login(data["officer"])
    page = client.get(f"/exports/?fund={data['fund']}").data.decode()
    assert f'/exports/awards.xlsx?fund={data["fund"]}' in page
    assert "/exports/360giving.json" in page
    from tests.conftest import Auth

    admin_client = app.test_client()
    Auth(app, admin_client).login(factories_admin(app))
    page = admin_client.get("/exports/").data.decode()
    assert "/exports/360giving.csv" in page and "/exports/awards.csv" not in page


def factories_admin(app):
    with app.app_context():
        admin = factories.user(Role.ADMIN)
        db.session.commit()
        db.session.refresh(admin)
        return admin


# Streaming ---------------------------------------------------------------------------------

def _bulk_awards(n: int) -> None:
    """`n` approved awards, inserted in one statement (the services would take minutes)."""
    fund = factories.fund(name=f"Bulk fund {n}")
    org = factories.organisation(name="Bulk group", kind=OrgKind.REGISTERED_NGO, country="KE")
    now = utcnow()
    db.session.execute(sa.insert(Award), [{
        "reference": f"AW-BULK-{n}-{i:05d}", "organisation_id": org.id, "fund_id": fund.id,
        "amount_minor": 100_000 + i, "currency": "USD", "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31), "years": 1, "support_type": SupportType.PROJECT,
        "status": AwardStatus.ACTIVE, "approved_at": now, "conditions": "",
    } for i in range(n)])
    db.session.flush()


def _drain(chunks) -> int:
    return sum(len(c) for c in chunks)


def _awards_csv(viewer_id: int, batch: int):
    return exports.csv_chunks(exports.AWARDS.header, exports.rows_of(
        exports.AWARDS, viewer_id, exports.Filters(), batch_size=batch), chunk=4096)


def _open_data(batch: int):
    return opendata.package_chunks(opendata.grants(batch_size=batch))


def _peak(make_chunks) -> tuple[int, int]:
    tracemalloc.start()
    try:
        size = _drain(make_chunks())
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("which", ["awards", "open_data"])
def test_memory_stays_flat_and_queries_grow_by_batch(app, which):
    batch = 100
    with app.app_context():
        officer = factories.user(Role.OFFICER)

        def chunks():
            return _awards_csv(officer.id, batch) if which == "awards" else _open_data(batch)

        results = {}
        for n in (200, 1800):  # 200, then 2,000 in all
            _bulk_awards(n)
            total = db.session.scalar(sa.select(sa.func.count(Award.id)))
            _drain(chunks())  # warm caches (compiled statements) before measuring
            with count_queries(app) as statements:
                size, _ = _peak(chunks)
            _, peak = _peak(chunks)
            results[total] = (size, peak, len(statements))
        (small_size, small_peak, small_q), (big_size, big_peak, big_q) = results.values()
        assert list(results) == [200, 2000]
        assert big_size > 9 * small_size  # ten times the rows were written ...
        # ... in about the same memory (all rows at once: five times as much here)
        assert big_peak < 1.5 * small_peak, results
        # One query a batch (and one to find the last batch empty), nothing per row.
        assert small_q <= 200 // batch + 2 and big_q <= 2000 // batch + 2, results
        assert big_q - small_q == (2000 - 200) // batch


def test_the_download_is_streamed(app, client, auth, data):
    auth.login(data["officer"])
    response = client.get("/exports/awards.csv", buffered=False)
    assert response.is_streamed
    body = b"".join(response.response)
    response.close()
    assert body.startswith(b"Reference,Status,Status (label),Group")
