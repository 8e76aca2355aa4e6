"""Officers' exports of awards, payments and applications as CSV or XLSX.

Rows come from the database in batches by keyset (`id > last`), one query a batch with
every column the row needs, so memory stays flat and the number of queries grows only with
the number of batches. CSV is streamed as it is written; XLSX goes through openpyxl's
write-only workbook into a temporary file.

Nothing sensitive is exported: no threats, safe contacts, focus populations, answers,
titles, notes, bank or route details. An application is named by its code name only (as in
the review queue); an award or payment names its group (a name encrypted at rest, read
here), or for a group at high risk the code name of its application instead. Every text
cell that a spreadsheet could read as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    Call,
    CallText,
    Disbursement,
    DisbursementStatus,
    Fund,
    Organisation,
    Review,
    RiskLevel,
    Tranche,
)
from grants.money import from_minor
from grants.reporting import export_labels as labels
from grants.security import audit
from grants.security.reveal import group_at_high_risk

BATCH_SIZE = 500
KINDS = ("awards", "payments", "applications")
FORMATS = ("csv", "xlsx")
# A cell starting with one of these may be read as a formula by a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    """Which rows: a period (inclusive dates, UTC) and a fund; None means any."""

    start: date | None = None
    end: date | None = None
    fund_id: int | None = None

    def details(self) -> dict:
        """The filters for the audit trail (dates and an id only)."""
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "fund": self.fund_id}


def neutralise(value):
    """A text cell beginning like a formula gets a leading quote, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def in_period(column, filters: Filters) -> list:
    """Conditions keeping `column` (a UTC timestamp) within the filters' dates."""
    out = []
    if filters.start:
        out.append(column >= datetime.combine(filters.start, time(), tzinfo=UTC))
    if filters.end:
        out.append(column < datetime.combine(filters.end + timedelta(days=1), time(),
                                             tzinfo=UTC))
    return out


def call_title(call_id_column):
    """The call's title in English, else in its first language (a correlated subquery)."""
    return (sa.select(CallText.title).where(CallText.call_id == call_id_column)
            .order_by(sa.case((CallText.language == "en", 0), else_=1), CallText.language)
            .limit(1).scalar_subquery())


def not_conflicted(viewer_id: int, application_id_column):
    """Leave out what comes from applications the viewer declared a conflict on."""
    conflicted = sa.select(Review.application_id).where(
        Review.reviewer_id == viewer_id, Review.conflict_declared.is_(True))
    return sa.or_(application_id_column.is_(None), application_id_column.not_in(conflicted))


def group_label(row) -> str:
    """The group's name, or the application's code name when the group is at high risk."""
    if row.at_risk or row.risk_level == RiskLevel.HIGH:
        return row.code_name or ""
    return row.org_name


def amount(minor: int | None, currency: str):
    return from_minor(minor or 0, currency)


def day(value: datetime | date | None):
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


# The three exports -----------------------------------------------------------------------

@dataclass(frozen=True)
class Coded:
    """A column of codes: the export keeps them and adds beside them their labels, in the
    reader's language (see export_labels)."""

    title: object
    label: Callable[[str], str]


@dataclass(frozen=True)
class Export:
    """One export: its columns, the query of its rows (with an `id` column to page by) and
    how a row becomes cells (one a column, a code for a coded column)."""

    kind: str
    columns: list
    query: Callable[[int, Filters], sa.Select]
    cells: Callable[[object], list]

    @property
    def header(self) -> list:
        out = []
        for column in self.columns:
            if isinstance(column, Coded):
                out += [column.title, _l("%(column)s (label)", column=column.title)]
            else:
                out.append(column)
        return out

    def row(self, record) -> list:
        """The record's cells, each code followed by its label."""
        out = []
        for column, value in zip(self.columns, self.cells(record), strict=True):
            out.append(value)
            if isinstance(column, Coded):
                out.append(column.label(value) if value else "")
        return out


def _awards_query(viewer_id: int, filters: Filters) -> sa.Select:
    paid = (sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount_minor), 0))
            .join(Tranche, Tranche.id == Disbursement.tranche_id)
            .where(Tranche.award_id == Award.id,
                   Disbursement.status == DisbursementStatus.PAID).scalar_subquery())
    decided = sa.func.coalesce(Award.approved_at, Award.created_at)
    query = (sa.select(
        Award.id, Award.reference, Award.status, Award.amount_minor, Award.currency,
        Award.start_date, Award.end_date, Award.years, Award.support_type, Award.regrant_type,
        Award.approved_at, Award.closed_at, Award.publication, Fund.name.label("fund"),
        Organisation.name.label("org_name"), Organisation.kind.label("org_kind"),
        sa.func.coalesce(Application.country, Organisation.country).label("country"),
        Application.code_name, Application.risk_level, Call.call_type,
        call_title(Call.id).label("call"), paid.label("paid_minor"),
        group_at_high_risk(Award.organisation_id).label("at_risk"))
        .join(Organisation, Organisation.id == Award.organisation_id)
        .join(Fund, Fund.id == Award.fund_id)
        .outerjoin(Application, Application.id == Award.application_id)
        .outerjoin(Call, Call.id == Application.call_id)
        .where(not_conflicted(viewer_id, Award.application_id), *in_period(decided, filters)))
    if filters.fund_id:
        query = query.where(Award.fund_id == filters.fund_id)
    return query


def _award_cells(r) -> list:
    return [r.reference, r.status.value, group_label(r), r.org_kind.value, r.country, r.fund,
            r.call or "", r.call_type.value if r.call_type else "", r.support_type.value,
            r.regrant_type.value if r.regrant_type else "", r.years, r.start_date, r.end_date,
            day(r.approved_at), day(r.closed_at), amount(r.amount_minor, r.currency),
            amount(r.paid_minor, r.currency), r.currency, r.publication.value]


AWARDS = Export("awards", [
    _l("Reference"), Coded(_l("Status"), labels.award_status), _l("Group"),
    Coded(_l("Kind of group"), labels.org_kind), Coded(_l("Country"), labels.country),
    _l("Fund"), _l("Call"), Coded(_l("Type of call"), labels.call_type),
    Coded(_l("Support"), labels.support), Coded(_l("Regrant type"), labels.regrant_type),
    _l("Years"), _l("Start date"), _l("End date"), _l("Approved on"), _l("Closed on"),
    _l("Amount"), _l("Paid"), _l("Currency"), Coded(_l("Open data"), labels.publication),
], _awards_query, _award_cells)


def _payments_query(viewer_id: int, filters: Filters) -> sa.Select:
    via = aliased(Organisation)
    query = (sa.select(
        Disbursement.id, Disbursement.amount_minor, Disbursement.currency, Disbursement.route,
        Disbursement.status, Disbursement.created_at, Disbursement.approved_at,
        Disbursement.sent_at, Disbursement.paid_at, Disbursement.ended_at,
        Tranche.sequence, Award.reference, Fund.name.label("fund"),
        Organisation.name.label("org_name"), Organisation.kind.label("org_kind"),
        sa.func.coalesce(Application.country, Organisation.country).label("country"),
        Application.code_name, Application.risk_level, via.name.label("via"),
        group_at_high_risk(Award.organisation_id).label("at_risk"))
        .join(Tranche, Tranche.id == Disbursement.tranche_id)
        .join(Award, Award.id == Tranche.award_id)
        .join(Organisation, Organisation.id == Award.organisation_id)
        .join(Fund, Fund.id == Award.fund_id)
        .outerjoin(Application, Application.id == Award.application_id)
        .outerjoin(via, via.id == Disbursement.via_organisation_id)
        .where(not_conflicted(viewer_id, Award.application_id),
               *in_period(Disbursement.created_at, filters)))
    if filters.fund_id:
        query = query.where(Award.fund_id == filters.fund_id)
    return query


def _payment_cells(r) -> list:
    return [r.id, r.reference, r.sequence, r.status.value, r.route.value, r.via or "",
            group_label(r), r.org_kind.value, r.country, r.fund,
            amount(r.amount_minor, r.currency), r.currency, day(r.created_at),
            day(r.approved_at), day(r.sent_at), day(r.paid_at), day(r.ended_at)]


PAYMENTS = Export("payments", [
    _l("Payment"), _l("Award"), _l("Tranche"), Coded(_l("Status"), labels.payment_status),
    Coded(_l("Route"), labels.route), _l("Through"), _l("Group"),
    Coded(_l("Kind of group"), labels.org_kind), Coded(_l("Country"), labels.country),
    _l("Fund"), _l("Amount"), _l("Currency"),
    _l("Scheduled on"), _l("Approved on"), _l("Sent on"), _l("Paid on"), _l("Ended on"),
], _payments_query, _payment_cells)


def _applications_query(viewer_id: int, filters: Filters) -> sa.Select:
    # What an officer may see of applications: sent (not drafts or withdrawn), to the
    # funder's own calls (an intermediary's call is its own), without declared conflicts.
    query = (sa.select(
        Application.id, Application.code_name, Application.status, Application.country,
        Application.currency, Application.amount_requested_minor, Application.language,
        Application.submitted_at, Application.decided_at, Application.reused_proposal,
        Application.intermediary_id, Organisation.kind.label("org_kind"),
        Call.call_type, call_title(Call.id).label("call"), Fund.name.label("fund"))
        .join(Call, Call.id == Application.call_id)
        .join(Fund, Fund.id == Call.fund_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.status.not_in(ApplicationStatus.UNSENT),
               Call.intermediary_id.is_(None), not_conflicted(viewer_id, Application.id),
               *in_period(Application.submitted_at, filters)))
    if filters.fund_id:
        query = query.where(Call.fund_id == filters.fund_id)
    return query


def _application_cells(r) -> list:
    return [r.code_name, r.status.value, r.call or "", r.call_type.value, r.fund,
            r.org_kind.value, r.country, "yes" if r.intermediary_id else "no",
            amount(r.amount_requested_minor, r.currency), r.currency, r.language,
            "yes" if r.reused_proposal else "no", day(r.submitted_at), day(r.decided_at)]


APPLICATIONS = Export("applications", [
    _l("Reference"), Coded(_l("Status"), labels.application_status), _l("Call"),
    Coded(_l("Type of call"), labels.call_type), _l("Fund"),
    Coded(_l("Kind of group"), labels.org_kind), Coded(_l("Country"), labels.country),
    Coded(_l("Through an intermediary"), labels.yes_no), _l("Amount requested"),
    _l("Currency"), Coded(_l("Language"), labels.language),
    Coded(_l("Reused proposal"), labels.yes_no), _l("Sent on"), _l("Decided on"),
], _applications_query, _application_cells)

EXPORTS = {e.kind: e for e in (AWARDS, PAYMENTS, APPLICATIONS)}


# Reading in batches and writing ----------------------------------------------------------

def batches(query: sa.Select, key, batch_size: int = BATCH_SIZE) -> Iterator[list]:
    """The query's rows in batches ordered by `key`, each read by its own keyset query."""
    last = None
    while True:
        page = query.order_by(key).limit(batch_size)
        if last is not None:
            page = page.where(key > last)
        rows = db.session.execute(page).all()
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        last = rows[-1].id


def count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def rows_of(export: Export, viewer_id: int, filters: Filters,
            batch_size: int = BATCH_SIZE) -> Iterator[list]:
    """The export's cells, row after row, read in batches (as `viewer_id` may see them)."""
    query = export.query(viewer_id, filters)
    key = query.selected_columns.id
    for rows in batches(query, key, batch_size):
        for row in rows:
            yield export.row(row)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(header: Iterable, rows: Iterable[list], chunk: int = 64 * 1024) -> Iterator[str]:
    """CSV text in chunks of about `chunk` characters, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_text(h) for h in header])
    for row in rows:
        writer.writerow([_text(v) for v in row])
        if buffer.tell() >= chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _cell(value):
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_xlsx(out: IO[bytes], title: str, header: Iterable, rows: Iterable[list]) -> None:
    """An .xlsx written row by row (openpyxl's write-only mode keeps no rows in memory)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.append([_cell(str(h)) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    workbook.save(out)


def record_download(actor, kind: str, fmt: str, rows: int, filters: Filters) -> None:
    """Audit who downloaded which export and how many rows: never any content."""
    audit.record(actor, "export.downloaded", None, export=kind, format=fmt, rows=rows,
                 **filters.details())
