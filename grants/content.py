"""Text the portal ships as data, said in the reader's language, and text in a known
language marked with it.

Some texts the portal ships are stored as they are (a default rubric criterion is the key
of a review's scores, a default report question is copied into an award's report
requirement), so they are kept in English, the catalogs' source language, and translated
when shown: `shipped()` says a stored text in the reader's language when it is one the
portal ships, and leaves text that people typed as it is. `SHIPPED` lists every such text,
so the completeness test (tests/test_content_languages.py) covers the next one added.

A text shown in a language other than the page's (a call with no text in the reader's
language, an answer written in Spanish read on an English page) is marked with its
language by `in_language()`, so that a screen reader reads it with the right voice and a
right-to-left text runs right to left.
"""

from __future__ import annotations

import re

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import gettext
from markupsafe import Markup

SHIPPED: set[str] = set()
RTL = ("ar", "fa")


def N_(text: str) -> str:  # noqa: N802 (the gettext convention: marks text for extraction)
    """Mark a shipped text for the catalogs (`make messages` extracts N_) and list it."""
    SHIPPED.add(text)
    return text


_NUMBER = re.compile(r"%\((\w+)\)d")


def _pattern(msgid: str) -> re.Pattern:
    """A shipped text with numbers in it ("Year %(year)d short report") as a pattern that
    matches it stored with its numbers ("Year 2 short report")."""
    parts = _NUMBER.split(msgid)  # text, name, text, name, ..., text
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>\\d+)"
                    for i, p in enumerate(parts))
    return re.compile(regex + r"\Z")


def _match(text: str) -> tuple[str, dict[str, int]] | None:
    if text in SHIPPED:
        return text, {}
    for msgid in SHIPPED:
        if "%(" in msgid:
            m = _pattern(msgid).match(text)
            if m:
                return msgid, {k: int(v) for k, v in m.groupdict().items()}
    return None


def shipped(text: str | None) -> str:
    """`text` in the reader's language if it is a text the portal ships, else unchanged."""
    if not text or not has_request_context():
        return text or ""
    found = _match(text)
    if found is None:
        return text
    msgid, params = found
    return gettext(msgid, **params)


def unshipped(text: str) -> str:
    """The inverse of `shipped` for the reader's language: a shipped text as an editing
    form showed it, translated, back to the stored source; other text unchanged. So an
    officer who saves a form without rewording a default does not reword it."""
    if not has_request_context():
        return text
    for msgid in SHIPPED:
        if "%(" not in msgid and gettext(msgid) == text:
            return msgid
    return text


def direction(code: str | None) -> str:
    rtl = (current_app.config.get("RTL_LANGUAGES", RTL) if has_app_context() else RTL)
    return "rtl" if (code or "").split("-")[0] in rtl else "ltr"


def page_language() -> str:
    return g.get("lang", "en") if has_request_context() else "en"


_TAGS = {"span": Markup('<span lang="%s" dir="%s">%s</span>'),
         "bdi": Markup('<bdi lang="%s" dir="%s">%s</bdi>')}


def in_language(text, code: str | None, tag: str = "span") -> Markup | str:
    """`text` in a `tag` marked with its language (and direction) when that differs from
    the page's; as it is (escaped) when it is the page's language or not known."""
    if text is None or text == "":
        return ""
    if not code or code == page_language():
        return Markup.escape(text)
    return _TAGS[tag] % (code, direction(code), text)  # escapes the text


def other_language(code: str | None) -> Markup:
    """` lang="xx" dir="..."` for an element holding a call's text in `code`, when that is
    not the page's language; nothing when it is."""
    if not code or code == page_language():
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (code, direction(code))


def call_title(text) -> Markup | str:
    """A call's title (a CallText) as a name in a sentence or row: isolated in <bdi>, and
    marked with its language when it is not the page's (a call with no text in the reader's
    language is shown in one it has)."""
    if text is None or not text.title:
        return ""
    if text.language == page_language():
        return Markup("<bdi>%s</bdi>") % text.title
    return in_language(text.title, text.language, tag="bdi")


def typed(text, code: str | None) -> Markup | str:
    """Text someone typed, as a name in a sentence or row: in <bdi>, marked with the
    language it was written in when the portal knows it (an application's language)."""
    if text is None or text == "":
        return ""
    if not code:
        return Markup("<bdi>%s</bdi>") % text
    return Markup('<bdi lang="%s" dir="auto">%s</bdi>') % (code, text)


def display_title(application) -> str | None:
    """The title to show: an emergency request's is the stored default, said in the
    reader's language (the group gives no title of its own there)."""
    from grants.rapid.request import RAPID_TITLE

    if application.rapid_category is not None and application.title == RAPID_TITLE:
        return gettext("Rapid response")
    return application.title


def application_title(application) -> Markup | str:
    """An application's title: the group's own, marked with the application's language; an
    emergency request's default title is said in the reader's language, unmarked."""
    from grants.rapid.request import RAPID_TITLE

    default = application.rapid_category is not None and application.title == RAPID_TITLE
    return typed(display_title(application), None if default else application.language)
