"""Errors that services raise for the user to read.

A service raises `ServiceError("Use at most %(max)s characters.", "note", max=N)`: the
English text is the msgid (`pybabel extract -k ServiceError` finds it), the values travel
as params, and the message is translated only when read, into the reader's language.
"""

from flask import has_request_context
from flask_babel import gettext, ngettext


def N_(message: str) -> str:
    """Mark for extraction, translated when shown: for messages kept in a constant or
    chosen from several, which reach ServiceError through a variable."""
    return message


class ServiceError(Exception):
    """A rule refused the action; the message is safe to show to the user who asked.

    `msgid` is English with %(name)s placeholders filled from `params`; `field` names the
    form field it is about, if any.
    """

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.msgid = message
        self.field = field
        self.params = params

    @property
    def message(self) -> str:
        """In a request, in the reader's language; elsewhere (CLI, logs) in English."""
        if has_request_context():
            return gettext(self.msgid, **self.params)
        return self.msgid % self.params if self.params else self.msgid

    def __str__(self) -> str:
        return self.message


class PluralError(ServiceError):
    """A refusal whose wording depends on a number, in each language's plural forms:
    `PluralError("... %(num)d year.", "... %(num)d years.", n, "field")`."""

    def __init__(self, singular: str, plural: str, num: int, field: str | None = None,
                 **params):
        super().__init__(singular, field, num=num, **params)
        self.plural = plural

    @property
    def message(self) -> str:
        params = dict(self.params)
        num = params.pop("num")
        if has_request_context():
            return ngettext(self.msgid, self.plural, num, **params)
        return (self.msgid if num == 1 else self.plural) % {"num": num, **params}
