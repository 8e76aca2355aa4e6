"""The peer directory (IV.11): grantees who chose to be listed find each other.

Listed: an organisation that opted in and has an approved award. It shows only what the
group wrote for its peers (name, country, kind, themes, a short blurb, how to reach it);
never what only staff may read (legal name, registration, safe contacts, applications,
risk). Opting out takes effect at once: the list is read live.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from grants.extensions import db
from grants.models import Award, Organisation, OrgKind, User
from grants.models.organisations import by_name
from grants.organisations.queries import by_country_then_name, name_page
from grants.policy import directory_organisations

PAGE_SIZE = 50


@dataclass(frozen=True)
class Entry:
    id: int
    name: str
    country: str
    kind: OrgKind
    themes: list[str]
    blurb: str | None
    contact: str | None


def listed():
    """The condition for an organisation to appear in the directory."""
    return sa.and_(Organisation.directory_opt_in.is_(True), sa.exists().where(
        Award.organisation_id == Organisation.id, Award.approved_at.is_not(None)))


def entries(viewer: User, *, country: str | None = None, page_number: int = 1):
    """One page of other listed grantees, by country then name (the viewer's own left out)."""
    own = directory_organisations(viewer)
    q = sa.select(Organisation).where(listed(), Organisation.id.not_in(own or [0]))
    if country:
        q = q.where(Organisation.country == country)
    q = q.options(load_only(
        Organisation.id, Organisation.name, Organisation.country, Organisation.kind,
        Organisation.themes, Organisation.directory_blurb, Organisation.directory_contact,
    ))
    page = name_page(q, page_number, PAGE_SIZE, key=by_country_then_name)
    page.items = [Entry(o.id, o.name, o.country, o.kind, list(o.themes or []),
                        o.directory_blurb, o.directory_contact) for o in page.items]
    return page


def countries_listed() -> list[str]:
    """Countries that have at least one listed grantee, for the filter."""
    return list(db.session.scalars(
        sa.select(Organisation.country).where(listed()).distinct().order_by(
            Organisation.country)))


def own_listings(viewer: User) -> list[Organisation]:
    """The viewer's own organisations that the directory lists (to show how they appear)."""
    ids = directory_organisations(viewer)
    return by_name(db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(ids)))) if ids else []
