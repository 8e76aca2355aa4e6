"""The question bank: short, tested questions an officer adds to a call in one click.

Each question has a modest default word limit, because every word asked is work for a
group that may be writing on a phone in its second language (Section IV.6). Two of them
are `sensitive` (their answers could hurt someone if seen), and three are `replaceable`:
an applicant may upload a proposal written for another funder instead of answering them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from grants.models.calls import ON_FIRST_STEP

CUSTOM = "custom"  # CallQuestion.bank_key of a question an officer wrote


@dataclass(frozen=True)
class BankQuestion:
    key: str
    prompt: object  # a lazy string, translated when shown
    word_limit: int
    sensitive: bool = False
    replaceable: bool = False

    @property
    def on_first_step(self) -> bool:
        """The application form's first step asks this of every call: never added again."""
        return self.key in ON_FIRST_STEP

    def english(self) -> str:
        """The prompt's source text (what questions added before the bank was translated
        stored as their English)."""
        with force_locale("en"):
            return str(self.prompt)

    def wording(self, language: str) -> str:
        """The prompt in `language` if the portal is translated into it, else in English."""
        if not has_app_context():
            return str(self.prompt)
        with force_locale(wording_language(language)):
            return str(self.prompt)


BANK: dict[str, BankQuestion] = {
    q.key: q
    for q in (
        BankQuestion("mission", _l("What is your group's mission?"), 150, replaceable=True),
        BankQuestion("activities", _l("What will you do with this support?"), 300,
                     replaceable=True),
        BankQuestion("who_you_work_with",
                     _l("Who do you work with, and who benefits from your work?"), 150,
                     replaceable=True),
        BankQuestion("risks", _l("What risks do you face, and how do you manage them?"), 200,
                     sensitive=True),
        BankQuestion("safe_contact", _l("How and when can we reach you safely?"), 60,
                     sensitive=True),
    )
}


def get(key: str | None) -> BankQuestion | None:
    return BANK.get(key or "")


def wording_language(language: str) -> str:
    """The language `BankQuestion.wording(language)` is in: `language` if the portal is
    translated into it, else English."""
    translated = current_app.config["LANGUAGES"] if has_app_context() else ("en",)
    return language if language in translated else "en"
