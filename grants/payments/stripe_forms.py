"""The donation form: the amount a donor types, in the fund's currency."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, Length, ValidationError

from grants import money
from grants.errors import ServiceError
from grants.fields import AmountField


class DonationForm(FlaskForm):
    amount = AmountField(_l("Amount"), validators=[InputRequired(), Length(max=24)], confirm=False,
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *args, currency: str, minimum: int, maximum: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency, self.minimum, self.maximum = currency, minimum, maximum
        self.amount_minor: int | None = None

    def validate_amount(self, field) -> None:
        try:
            minor = money.to_minor(field.data, self.currency)
        except ServiceError as exc:
            raise ValidationError(exc.message) from exc
        if not self.minimum <= minor <= self.maximum:
            raise ValidationError(_l(
                "Give between %(low)s and %(high)s.",
                low=money.format_money(self.minimum, self.currency),
                high=money.format_money(self.maximum, self.currency)))
        self.amount_minor = minor
