"""360Giving open data: the funder's approved awards as a 360Giving 1.4 package (JSON) or
in the standard's flat CSV form.

What is published is decided per award (`Award.publication`), and the default protects:
- anonymous: no name; the recipient's id is `<OPEN_DATA_PREFIX>-ANON-<code>` (or `-IND-`
  for an individual defender), made per grant, so that two anonymous grants cannot be
  linked to each other or to a named one;
- named: the group's name, with a stable id per group;
- withheld: left out.
Either way the location is the country only and the title and description are generic
(from the kind of support), never the application's title or answers; the fund (grant
programme) is published with named grants only, since its name can say whom it serves.
A group at high risk, a rapid-response request or an individual defender is never named:
`may_name` refuses it when an officer asks, and the export applies it again in case the
risk was raised after the choice.

Grant ids are `<OPEN_DATA_PREFIX>-<code>`, the code an HMAC of the award's id: the same
award keeps its id from one export to the next, and nothing of the internal reference
(which carries the application's code name) leaves the portal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from datetime import date

import sqlalchemy as sa
from flask import current_app

from grants.countries import country_name
from grants.errors import N_, ServiceError
from grants.models import (
    Application,
    Award,
    AwardStatus,
    Call,
    CallType,
    Disbursement,
    DisbursementStatus,
    Fund,
    Organisation,
    OrgKind,
    RiskLevel,
    SupportType,
    Tranche,
)
from grants.models.reporting import Publication
from grants.money import from_minor
from grants.reporting.exports import (
    BATCH_SIZE,
    Filters,
    batches,
    in_period,
    neutralise,
)
from grants.reporting.exports import count as count_rows
from grants.security import audit, reveal
from grants.security.reveal import group_at_high_risk

SCHEMA_VERSION = "1.4"
UNPUBLISHED = (AwardStatus.PENDING_APPROVAL, AwardStatus.CANCELLED)

# Generic titles and descriptions, by the kind of support: nothing from the application.
TEXTS = {
    "regrant": ("Regranting grant", "A grant to an intermediary for onward grants to "
                "human rights defenders and their groups."),
    "rapid": ("Emergency grant", "Rapid-response support for human rights defenders at "
              "risk, including protection and well-being."),
    "convening": ("Convening grant", "Support for human rights defenders to meet, exchange "
                  "and build networks."),
    "core": ("Core support grant", "Unrestricted (core) support for a group defending human "
             "rights, including protection and well-being."),
    "project": ("Project grant", "Support for human rights work, including protection and "
                "well-being."),
}


# Who may be named ------------------------------------------------------------------------

def naming_refused(award: Award) -> str | None:
    """Why this award's recipient may not be named in open data, or None if it may."""
    application = award.application
    if award.organisation.kind == OrgKind.INDIVIDUAL_DEFENDER:
        return N_("An individual defender is never named in open data.")
    if application is not None and (
            reveal.needs_reveal(application) or application.rapid_category is not None
            or application.call.call_type == CallType.RAPID_RESPONSE):
        return N_("A group at high risk or an emergency request is never named in open data.")
    if reveal.org_at_high_risk(award.organisation):
        return N_("This group has an application at high risk: it is never named in "
                  "open data.")
    return None


def set_publication(actor, award: Award, publication: Publication) -> None:
    """Choose how the award appears in open data; naming is refused where it could expose
    the recipient. Audited as a change (before and after, nothing else)."""
    if publication == Publication.NAMED:
        reason = naming_refused(award)
        if reason:
            raise ServiceError(reason, "publication")
    if publication == award.publication:
        return
    before, award.publication = award.publication, publication
    audit.record(actor, "award.publication_changed", award, before=before.value,
                 after=publication.value)


# Identifiers ----------------------------------------------------------------------------

def _prefix() -> str:
    return current_app.config["OPEN_DATA_PREFIX"]


def _code(kind: str, number: int) -> str:
    key = current_app.config.get("OPEN_DATA_ID_KEY") or current_app.config["SECRET_KEY"]
    digest = hmac.new(f"360giving:{key}".encode(), f"{kind}:{number}".encode(),
                      hashlib.sha256).hexdigest()
    return digest[:16]


def grant_id(award_id: int) -> str:
    return f"{_prefix()}-{_code('award', award_id)}"


def funder() -> dict:
    return {"id": current_app.config.get("OPEN_DATA_FUNDER_ID") or _prefix(),
            "name": current_app.config["OPEN_DATA_FUNDER_NAME"]}


# The grants -----------------------------------------------------------------------------

def published_query(filters: Filters = Filters()) -> sa.Select:  # noqa: B008 (frozen)
    """Approved awards that are not withheld, with all a grant needs, one row each."""
    paid = (sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount_minor), 0))
            .join(Tranche, Tranche.id == Disbursement.tranche_id)
            .where(Tranche.award_id == Award.id,
                   Disbursement.status == DisbursementStatus.PAID).scalar_subquery())
    query = (sa.select(
        Award.id, Award.organisation_id, Award.fund_id, Award.amount_minor, Award.currency,
        Award.start_date, Award.end_date, Award.years, Award.support_type, Award.regrant_type,
        Award.approved_at, Award.publication, Award.application_id, Fund.name.label("fund"),
        Organisation.name.label("org_name"), Organisation.kind.label("org_kind"),
        sa.func.coalesce(Application.country, Organisation.country).label("country"),
        Application.risk_level, Application.rapid_category, Call.call_type,
        paid.label("paid_minor"), group_at_high_risk(Award.organisation_id).label("at_risk"))
        .join(Organisation, Organisation.id == Award.organisation_id)
        .join(Fund, Fund.id == Award.fund_id)
        .outerjoin(Application, Application.id == Award.application_id)
        .outerjoin(Call, Call.id == Application.call_id)
        .where(Award.approved_at.is_not(None), Award.status.not_in(UNPUBLISHED),
               Award.publication != Publication.WITHHELD,
               *in_period(Award.approved_at, filters)))
    if filters.fund_id:
        query = query.where(Award.fund_id == filters.fund_id)
    return query


def _named(row) -> bool:
    return row.publication == Publication.NAMED and not (
        row.at_risk or row.org_kind == OrgKind.INDIVIDUAL_DEFENDER
        or row.risk_level == RiskLevel.HIGH or row.rapid_category is not None
        or row.call_type == CallType.RAPID_RESPONSE)


def _number(minor: int, currency: str) -> int | float:
    value = from_minor(minor, currency)
    return int(value) if value == value.to_integral_value() else float(value)


def _texts(row) -> tuple[str, str]:
    if row.regrant_type is not None:
        return TEXTS["regrant"]
    if row.call_type == CallType.RAPID_RESPONSE or row.rapid_category is not None:
        return TEXTS["rapid"]
    if row.call_type == CallType.CONVENING:
        return TEXTS["convening"]
    return TEXTS["core" if row.support_type == SupportType.CORE else "project"]


def _recipient(row, code: str) -> dict:
    if _named(row):
        return {"recipientOrganization": [
            {"id": f"{_prefix()}-ORG-{_code('organisation', row.organisation_id)}",
             "name": row.org_name}]}
    if row.org_kind == OrgKind.INDIVIDUAL_DEFENDER:
        return {"recipientIndividual": {"id": f"{_prefix()}-IND-{code}",
                                        "name": "Individual recipient"}}
    return {"recipientOrganization": [{"id": f"{_prefix()}-ANON-{code}",
                                       "name": "Anonymous recipient"}]}


def location(country: str) -> dict:
    """The country only. A user-assigned code (Kosovo's XK) is not in 360Giving's codelist:
    it goes by name alone."""
    user_assigned = country == "AA" or country[:1] in ("X", "Z") or "QM" <= country <= "QZ"
    name = {"name": country_name(country, "en")}
    return name if user_assigned else {**name, "countryCode": country}


def grant(row) -> dict:
    """One 360Giving grant from a row of `published_query`."""
    code = _code("award", row.id)
    title, description = _texts(row)
    out = {
        "id": f"{_prefix()}-{code}", "title": title, "description": description,
        "currency": row.currency, "amountAwarded": _number(row.amount_minor, row.currency),
        "amountDisbursed": _number(row.paid_minor or 0, row.currency),
        "awardDate": row.approved_at.date().isoformat(),
        "plannedDates": [{"startDate": row.start_date.isoformat(),
                          "endDate": row.end_date.isoformat(), "duration": row.years * 12}],
        **_recipient(row, code),
        "beneficiaryLocation": [location(row.country)],
        "fundingOrganization": [funder()],
        "fromOpenCall": "Yes" if row.application_id is not None else "No",
    }
    if _named(row):
        # Only beside a name the group agreed to: a fund's name can say who it serves and
        # where ("women defenders in ..."), and with the country point to one group.
        out["grantProgramme"] = [{"code": f"{_prefix()}-FUND-{row.fund_id}", "title": row.fund}]
    if row.regrant_type is not None:
        out["regrantType"] = row.regrant_type.value
    return out


def grants(filters: Filters = Filters(),  # noqa: B008 (frozen)
           batch_size: int = BATCH_SIZE) -> Iterator[dict]:
    """Every published grant, read in batches."""
    query = published_query(filters)
    for rows in batches(query, Award.id, batch_size):
        for row in rows:
            yield grant(row)


def count(filters: Filters = Filters()) -> int:  # noqa: B008 (frozen)
    return count_rows(published_query(filters))


# Writing --------------------------------------------------------------------------------

def package_chunks(items: Iterable[dict], issued: date | None = None) -> Iterator[str]:
    """A 360Giving package, `{"grants": [...]}` with its metadata, written grant by grant."""
    meta = {"version": SCHEMA_VERSION, "publisher": {"name": funder()["name"],
                                                     "identifier": funder()["id"]},
            "issued": (issued or date.today()).isoformat()}
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    yield head + ', "grants": ['
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]}\n"


# The flat CSV: the standard's column titles, one grant a row (one of each array).
FLAT_COLUMNS = [
    ("Identifier", ("id",)), ("Title", ("title",)), ("Description", ("description",)),
    ("Currency", ("currency",)), ("Amount Awarded", ("amountAwarded",)),
    ("Amount Disbursed", ("amountDisbursed",)), ("Award Date", ("awardDate",)),
    ("Planned Dates:Start Date", ("plannedDates", 0, "startDate")),
    ("Planned Dates:End Date", ("plannedDates", 0, "endDate")),
    ("Planned Dates:Duration (months)", ("plannedDates", 0, "duration")),
    ("Recipient Org:Identifier", ("recipientOrganization", 0, "id")),
    ("Recipient Org:Name", ("recipientOrganization", 0, "name")),
    ("Recipient Ind:Identifier", ("recipientIndividual", "id")),
    ("Recipient Ind:Name", ("recipientIndividual", "name")),
    ("Beneficiary Location:Name", ("beneficiaryLocation", 0, "name")),
    ("Beneficiary Location:Country Code", ("beneficiaryLocation", 0, "countryCode")),
    ("Funding Org:Identifier", ("fundingOrganization", 0, "id")),
    ("Funding Org:Name", ("fundingOrganization", 0, "name")),
    ("Grant Programme:Code", ("grantProgramme", 0, "code")),
    ("Grant Programme:Title", ("grantProgramme", 0, "title")),
    ("From An Open Call?", ("fromOpenCall",)),
    ("For Regrant Type", ("regrantType",)),
]


def _pick(item: dict, path: tuple):
    value = item
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def flat_header() -> list[str]:
    return [title for title, _path in FLAT_COLUMNS]


def flat_row(item: dict) -> list:
    """The grant as the flat CSV's cells (text neutralised against formulas)."""
    return [neutralise(_pick(item, path)) for _title, path in FLAT_COLUMNS]


def record_export(actor, fmt: str, rows: int, filters: Filters, *, via: str) -> None:
    """Audit an open-data export: who (None from the command line), how, how many grants."""
    audit.record(actor, "export.open_data", None, format=fmt, rows=rows, via=via,
                 **filters.details())
