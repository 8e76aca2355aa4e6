"""ISO 3166-1 alpha-2 countries with names in the interface language (from Babel's CLDR)."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

# CLDR territory codes that are not countries.
_NOT_COUNTRIES = {
    "AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ",
}


@cache
def countries(lang: str = "en") -> tuple[tuple[str, str], ...]:
    names = Locale.parse(lang).territories
    pairs = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(pairs, key=lambda p: collation_key(p[1])))


def collation_key(name: str) -> tuple[str, str]:
    """Alphabetical order as readers expect it without ICU: letters compared without their
    accents and case first ("Antártida" between "Angola" and "Antigua"), then as written."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c))
    return bare.casefold(), name


def is_country(code: str) -> bool:
    return code in dict(countries("en"))


def country_name(code: str, lang: str = "en") -> str:
    return dict(countries(lang)).get(code, code)
