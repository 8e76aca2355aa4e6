"""Form validators the portal needs beyond WTForms' own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, validators

from grants import usernames
from grants.errors import N_, ServiceError


class NumberRange(validators.NumberRange):
    """WTForms' NumberRange, safe for any whole number typed.

    It calls math.isnan() on the value, which raises OverflowError for an int too large to
    be a float (a few hundred digits typed into a count: a 500, found by the fuzz). Such a
    number is outside every range the portal asks for, so it gets the out-of-range message.
    """

    def __call__(self, form, field):
        try:
            return super().__call__(form, field)
        except OverflowError:
            pass
        typed, field.data = field.data, None  # None is out of range: the right message
        try:
            super().__call__(form, field)
        finally:
            field.data = typed


# Characters that change the direction of the text after them: embeddings and overrides
# (U+202A-U+202E), isolates (U+2066-U+2069) and the marks (LRM, RLM, ALM). In a name they
# make it read as something else ("gpj.exe" shown as "exe.jpg") or reorder the sentence it
# is shown in.
BIDI_CONTROLS = usernames.BIDI_CONTROLS


BIDI_MESSAGE = N_("This name had hidden characters that change the direction of text. They "
                  "have been taken out: check the name and send it again.")


def without_bidi_controls(text: str) -> str:
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


class NoBidiControls:
    """Refuse a name holding a bidirectional control character.

    The field is given back without them, so the rest of what was typed is kept and the
    person sees the name as it will be shown before sending it again.
    """

    message = _l(BIDI_MESSAGE)

    def __call__(self, form, field):
        if isinstance(field.data, str) and BIDI_CONTROLS.intersection(field.data):
            field.data = without_bidi_controls(field.data)
            raise validators.ValidationError(self.message)


class NameField(StringField):
    """A name others read: of a person, group, organisation, fund, call or request, a
    pseudonym or a code standing for one, a partner or a budget line.

    Every such field of every form is one of these (tests/test_names.py finds the fields
    that look like names and fails for any that is not): it refuses direction controls and
    lets the browser lay out a name typed in either direction.
    """

    def __init__(self, label=None, validators=None, render_kw=None, **kwargs):
        super().__init__(label, [*(validators or ()), NoBidiControls()],
                         render_kw={"dir": "auto", **(render_kw or {})}, **kwargs)


class UsernameRule:
    """A user name follows `usernames.check` (the same rule the account services apply)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and not BIDI_CONTROLS.intersection(field.data):
            try:
                usernames.check(field.data, field.name)
            except ServiceError as exc:
                raise validators.ValidationError(exc.message) from None


class UsernameField(NameField):
    """Where a user name is chosen (sign-up, staff creating an account, an emergency
    request's pseudonymous account): the rule is said before the field (its description,
    which the field macro ties to the input with aria-describedby) and checked on sending.
    Extra words for the hint come after the rule, in `more`."""

    def __init__(self, label=None, checks=(), *, more=None, render_kw=None, **kwargs):
        hint = _l(usernames.RULE) if more is None else _Joined(_l(usernames.RULE), more)
        super().__init__(
            label, [validators.DataRequired(), *checks, UsernameRule()],
            description=hint,
            render_kw={"autocomplete": "username", "autocapitalize": "none",
                       **(render_kw or {})},
            **kwargs)


class _Joined:
    """Two translatable sentences shown as one hint, with a space between them, each
    translated when the page is drawn."""

    def __init__(self, *parts):
        self.parts = parts

    def __str__(self) -> str:
        return " ".join(str(part) for part in self.parts)
