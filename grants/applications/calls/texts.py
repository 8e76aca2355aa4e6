"""A call's words in each of its languages: its title and description, and the wording of
its questions (the officer's own or the question bank's), and what is still missing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from grants.applications.calls import question_bank
from grants.applications.calls.display import translate as _
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallQuestion, CallText, User
from grants.security import audit

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000


def rewordings(question: CallQuestion) -> dict[str, str]:
    """The question's own wording by language: what the officer wrote. A bank question
    keeps none unless reworded; one added before the bank was translated stored the bank's
    English source as its English, which is not a rewording either."""
    prompts = {code: text for code, text in (question.prompts or {}).items() if text}
    entry = question_bank.get(question.bank_key)
    if entry is not None and prompts.get("en") == entry.english():
        del prompts["en"]
    return prompts


def question_wording(question: CallQuestion, language: str) -> tuple[str, str]:
    """The question to show a reader of `language`, and the language it is in.

    Its wording in `language` if the officer wrote one; else, for a bank question not
    reworded, the bank's translation; else the call's own wording in its main language
    (or any it has), for the reader to be told which language it is in.
    """
    own = rewordings(question)
    if own.get(language):
        return own[language], language
    entry = question_bank.get(question.bank_key)
    if entry is not None and not own:
        return entry.wording(language), question_bank.wording_language(language)
    main = question.call.languages[0] if question.call and question.call.languages else None
    if main and own.get(main):
        return own[main], main
    if own:
        return next(iter(own.items()))
    return "", language


def question_prompt(question: CallQuestion, language: str) -> str:
    """The question as `question_wording` finds it, without its language."""
    return question_wording(question, language)[0]


@dataclass(frozen=True)
class Gap:
    """What a call has no text for in one of the languages it accepts."""

    language: str
    messages: list[str]
    text: bool  # the title or description is missing
    questions: list[int]  # positions of questions with no wording in it


def missing_texts(call: Call) -> list[Gap]:
    """For each language the call accepts, what it has no text for in it: the title, the
    description, the wording of a question. A bank question not reworded is said in every
    language the portal is translated into; in another it needs the officer's wording."""
    texts = {t.language: t for t in call.texts}
    translated = set(current_app.config["LANGUAGES"])
    out = []
    for code in call.languages:
        text, messages = texts.get(code), []
        if text is None or not text.title.strip():
            messages.append(_("No title."))
        if text is None or not (text.description or "").strip():
            messages.append(_("No description."))
        untranslated = []
        for q in sorted(call.questions, key=lambda q: q.position):
            own = rewordings(q)
            bank_says_it = (question_bank.get(q.bank_key) is not None and not own
                            and code in translated)
            if not own.get(code) and not bank_says_it:
                untranslated.append(q.position)
        if untranslated:
            messages.append(_("No wording for question %(numbers)s.",
                              numbers=", ".join(str(n) for n in untranslated)))
        if messages:
            out.append(Gap(code, messages, text=text is None or not (
                text.title.strip() and (text.description or "").strip()),
                questions=untranslated))
    return out


def save_text(actor: User, call: Call, language: str, *, title: str,
              description: str = "") -> CallText:
    """Write the call's title and description in one of its languages."""
    if language not in call.languages:
        raise ServiceError(_("The call is not published in that language."))
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ServiceError(_("Give the call a title."), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("Keep the title under %(n)d characters.", n=TITLE_MAX), "title")
    if len(description) > DESCRIPTION_MAX:
        raise ServiceError(_("Keep the description under %(n)d characters.",
                             n=DESCRIPTION_MAX), "description")
    text = next((t for t in call.texts if t.language == language), None)
    created = text is None
    if created:
        text = CallText(language=language, title=title, description=description)
        call.texts.append(text)
    else:
        text.title, text.description = title, description
    db.session.flush()
    audit.record(actor, "call.text_saved", call, language=language, created=created)
    return text
