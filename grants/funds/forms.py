"""Fund form: the envelope is typed as a decimal and stored in minor units."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from grants.fields import AmountField
from grants.validators import NameField, NumberRange


class FundForm(FlaskForm):
    name = NameField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    currency = SelectField(_l("Currency"))
    envelope = AmountField(_l("Budget envelope"), validators=[DataRequired(), Length(max=24)],
                           render_kw={"inputmode": "decimal"})
    is_protection = BooleanField(_l("A protection fund (counted as protection funding)"))
    accepts_donations = BooleanField(_l("Accepts public donations"))
    rapid_response_target_hours = IntegerField(
        _l("Rapid-response decision target (hours)"), default=72,
        validators=[DataRequired(), NumberRange(min=1, max=24 * 14)])
    is_active = BooleanField(_l("Active"), default=True)
