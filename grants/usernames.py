"""The rule for user names, in one place: the sign-up form, staff creating an account, the
emergency request's pseudonymous account and the command line all go through `check`.

A user name is written in any script: letters, digits, spaces and a few signs (. - _ ').
It is kept as typed after Unicode NFKC normalisation (so "ﬁ" and "fi", or a precomposed
"í" and "i" + accent, are the same name), and compared by two derived forms stored beside
it (see `User`):

- its key, NFKC_Casefold (UAX #15 / UTS #31): log-in finds "Colibrí_Sur" from
  "colibrí_sur", "COLIBRÍ_SUR" or a decomposed accent;
- its skeleton, from ICU's spoof checker (Unicode TS #39, the confusables table Unicode
  maintains): "аdmin" with a Cyrillic "а", "admin" and "adrnin" share one. The skeleton
  column is unique, so a name that looks like one in use is refused even when two people
  sign up at the same moment.
"""

from __future__ import annotations

import re
import unicodedata

import icu

from grants.errors import N_, ServiceError

MIN_LENGTH, MAX_LENGTH = 3, 32
SIGNS = frozenset(".-_'\u2019")  # the apostrophe as phones type it (’) too
JOINERS = frozenset("\u200c\u200d")  # ZWNJ and ZWJ: part of how Persian and Indic names are spelt
# Direction controls get their own message from the form (validators.NoBidiControls).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                          "\u200e\u200f\u061c")

RULE = N_("3 to 32 characters: letters of any alphabet, digits, spaces and the signs "
          ". - _ ' Start with a letter or a digit.")
LENGTH = N_("Use 3 to 32 characters.")
START = N_("Start with a letter or a digit.")
CHARACTERS = N_("A user name cannot hold %(chars)s. Use letters, digits, spaces and the "
                "signs . - _ ' only.")
TAKEN = N_("That user name is taken, or looks too much like one in use. Please choose "
           "another.")

_SPACES = re.compile(r"\s+")


def normalise(name: str) -> str:
    """The name as stored and shown: NFKC, each run of spaces one space, none at the ends."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name or "")).strip()


def key(name: str) -> str:
    """What log-in compares: NFKC_Casefold, which also drops invisible joiners."""
    casefold = icu.Normalizer2.getInstance(None, "nfkc_cf", icu.UNormalizationMode2.COMPOSE)
    return casefold.normalize(normalise(name))


def skeleton(name: str) -> str:
    """What look-alikes share (TS #39 skeleton of the key): unique among accounts."""
    return icu.SpoofChecker().getSkeleton(0, key(name))


def _allowed(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (category[0] in "LM" or category == "Nd" or ch == " " or ch in SIGNS
            or ch in JOINERS or ch in BIDI_CONTROLS)


def _shown(ch: str) -> str:
    return ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


def check(name: str, field: str = "username") -> str:
    """The name as it will be stored, or a ServiceError saying which part of the rule it
    breaks (the form shows the same rule before the field)."""
    name = normalise(name)
    refused = sorted({ch for ch in name if not _allowed(ch)})
    if refused:
        raise ServiceError(CHARACTERS, field, chars=" ".join(map(_shown, refused)))
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        raise ServiceError(LENGTH, field)
    if unicodedata.category(name[0])[0] != "L" and unicodedata.category(name[0]) != "Nd":
        raise ServiceError(START, field)
    return name
