"""The portfolio's period and fund chooser (a GET form: nothing changes) and the labels of
its dimensions."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField
from wtforms.fields import DateField
from wtforms.validators import Optional, ValidationError

from grants.applications.forms import POPULATION_LABELS
from grants.reporting.portfolio import Period
from grants.reporting.portfolio_money import REGRANTING

MAX_DAYS = 10 * 366  # ten years at most: a longer span says little and costs a lot
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)  # far from date's own limits

# The rows "by type of call" that are not a call type (those are worded on CallType).
NOT_CALL_TYPE_LABELS = {REGRANTING: _l("Regranting (to an intermediary)"), "other": _l("Other")}
DIMENSION_LABELS = {
    "fund": _l("By fund"),
    "call_type": _l("By type of call"),
    "country": _l("By country"),
    "year": _l("By year"),
}
COLUMN_LABELS = {
    "fund": _l("Fund"),
    "call_type": _l("Type of call"),
    "country": _l("Country"),
    "year": _l("Year"),
}
__all__ = ["POPULATION_LABELS", "PeriodForm"]


class PeriodForm(Form):
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    fund = SelectField(_l("Fund"), choices=[], default="", validate_choice=False)

    def __init__(self, formdata, funds, today: date):
        super().__init__(formdata)
        self.fund.choices = [("", _l("All funds"))] + [(str(f.id), f.name) for f in funds]
        self.today = today

    def validate_fund(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(_l("Choose a fund from the list."))

    def validate_start(self, field):
        _in_range(field)

    def validate_end(self, field):
        _in_range(field)
        if self.start.errors:
            return
        start, end = self.chosen_dates()
        if end < start:
            raise ValidationError(_l("The end must not be before the start."))
        if (end - start).days >= MAX_DAYS:
            raise ValidationError(_l("Choose at most ten years."))

    def chosen_dates(self) -> tuple[date, date]:
        """What was typed, with this calendar year's first and last day for what was not."""
        year = self.today.year
        return self.start.data or date(year, 1, 1), self.end.data or date(year, 12, 31)

    def period(self) -> Period:
        return Period(*self.chosen_dates())

    def fund_id(self) -> int | None:
        return int(self.fund.data) if self.fund.data else None


def _in_range(field) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Choose a date between 1990 and 2100."))
