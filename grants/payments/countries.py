"""Country context: what admins know of each country's rules on foreign funding.

Public knowledge about a country, not about any person, so it is stored in clear; the
scheduling page warns officers paying a group in a restricted country and suggests routes
that do not need the group to receive foreign money itself.
"""

from __future__ import annotations

import sqlalchemy as sa

from grants.countries import is_country
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import CountryContext, User
from grants.security import audit

SUMMARY_MAX = 5000


def all_contexts() -> list[CountryContext]:
    return list(db.session.scalars(sa.select(CountryContext).order_by(
        CountryContext.foreign_funding_restricted.desc(), CountryContext.country)))


def save(actor: User, country: str, *, restricted: bool, summary: str) -> CountryContext:
    """Set whether `country` restricts foreign funding and what officers should know."""
    if not is_country(country):
        raise ServiceError("Choose a country from the list.", "country")
    summary = (summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise ServiceError("Keep the summary under %(max)s characters.", "summary", max=SUMMARY_MAX)
    if restricted and not summary:
        raise ServiceError("Say what the restriction is, for the officers choosing a route.",
                           "summary")
    existing = db.session.get(CountryContext, country)
    before = existing.foreign_funding_restricted if existing else None
    context = existing or CountryContext(country=country)
    context.foreign_funding_restricted, context.summary = restricted, summary
    context.updated_by_id = actor.id
    db.session.add(context)
    db.session.flush()
    audit.record(actor, "country_context.saved", None, country=country,
                 restricted_before=before, restricted=restricted)
    return context
