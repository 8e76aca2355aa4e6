"""Form validators the portal needs beyond WTForms' own."""

from __future__ import annotations

from wtforms import validators


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
