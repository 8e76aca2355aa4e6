"""What an intermediary serves: the countries and themes groups choose it by, and whether
it accepts applications routed to it. Its owners change it; an admin verifies the
organisation (organisations.verify) before any group is offered it."""

from __future__ import annotations

from grants.countries import is_country
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Organisation, OrgKind, User
from grants.security import audit

MAX_THEMES = 20
THEME_MAX_CHARS = 64


def update_profile(actor: User, org: Organisation, *, countries: str, themes: list[str],
                   accepts_routed: bool) -> None:
    """Save what the intermediary serves; refused with the reason if a value is wrong."""
    if org.kind != OrgKind.INTERMEDIARY:
        raise ServiceError("Only an intermediary serves countries and themes.")
    codes = [c.strip().upper() for c in (countries or "").replace(";", ",").split(",")]
    codes = list(dict.fromkeys(c for c in codes if c))
    wrong = [c for c in codes if not is_country(c)]
    if wrong:
        raise ServiceError("Not a country code: %(codes)s.", "serves_countries",
                           codes=", ".join(wrong))
    cleaned = list(dict.fromkeys(" ".join(t.split()) for t in themes if t.strip()))
    if len(cleaned) > MAX_THEMES or any(len(t) > THEME_MAX_CHARS for t in cleaned):
        raise ServiceError("Up to %(max)s themes of at most %(chars)s characters.", "themes",
                           max=MAX_THEMES, chars=THEME_MAX_CHARS)
    org.serves_countries, org.themes = codes, cleaned
    org.accepts_routed_applications = accepts_routed
    db.session.flush()
    audit.record(actor, "organisation.intermediary_profile", org, countries=codes,
                 themes=len(cleaned), accepts_routed=accepts_routed)
