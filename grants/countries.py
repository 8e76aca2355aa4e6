"""ISO 3166-1 alpha-2 countries with names in the interface language (from Babel's CLDR)."""

from __future__ import annotations

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
    return tuple(sorted(pairs, key=lambda p: p[1]))


def is_country(code: str) -> bool:
    return code in dict(countries("en"))


def country_name(code: str, lang: str = "en") -> str:
    return dict(countries(lang)).get(code, code)
