"""grants.validators: what WTForms' own validators get wrong."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import Form, IntegerField

from grants.validators import NumberRange

HUGE = "9" * 400  # an int Python holds, too large for a float


class Counts(Form):
    bounded = IntegerField(validators=[NumberRange(0, 100, "From 0 to 100.")])
    unbounded = IntegerField(validators=[NumberRange(min=1)])


def test_a_number_too_large_for_a_float_is_out_of_range_not_a_crash():
    form = Counts(MultiDict({"bounded": HUGE, "unbounded": "-" + HUGE}))
    assert not form.validate()  # WTForms' own raised OverflowError from math.isnan()
    assert form.bounded.errors == ["From 0 to 100."]
    assert form.unbounded.errors == ["Number must be at least 1."]
    assert form.bounded.data == int(HUGE)  # what was typed is kept for the page
    assert form.bounded._value() == HUGE


def test_ordinary_numbers_are_checked_as_before():
    assert Counts(MultiDict({"bounded": "100", "unbounded": "1"})).validate()
    form = Counts(MultiDict({"bounded": "101", "unbounded": "0"}))
    assert not form.validate()
    assert form.bounded.errors == ["From 0 to 100."]
    assert form.unbounded.errors == ["Number must be at least 1."]
