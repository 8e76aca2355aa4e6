"""Ledger forms and the labels its pages show (a route's and a payment state's are on
their enums). Choices that come from the database (routes suggested for a group,
intermediaries) are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from grants.fields import AmountField
from grants.payments.routes import form_fields
from grants.web import group_label

WAITING_LABELS = {
    "approval": _l("Needs an approval"),
    "other_officer": _l("Waits for a second officer"),
    "your_second_approval": _l("Needs your second approval"),
    "sending": _l("Approved: to send"),
    "stripe": _l("Waits for Stripe's answer"),
    "confirmation": _l("Sent: to confirm when paid"),
}
INDIRECT_HINT = _l("Suggested: the group does not receive foreign money itself.")


def _with_route_fields(form_class):
    """Each payment route's own fields (its entry in grants.payments.routes.ROUTES), after
    the form's own."""
    for name, field in form_fields().items():
        setattr(form_class, name, field)
    return form_class


@_with_route_fields
class ScheduleForm(FlaskForm):
    route = RadioField(_l("Route"), validators=[
        InputRequired(message=_l("Choose how the money goes."))])
    amount = AmountField(_l("Amount"), validators=[
        InputRequired(message=_l("Enter the amount."))])


def schedule_form(routes: list, intermediaries: list, currency: str, countries: list,
                  **kwargs) -> ScheduleForm:
    form = ScheduleForm(**kwargs)
    form.bank_country.choices = [SelectChoice("", _l("Choose a country"))] + [
        SelectChoice(code, name) for code, name in countries]
    form.amount.label.text = _l("Amount (%(cur)s)", cur=currency)
    form.route.choices = [SelectChoice(r.value, r.label) for r in routes]
    form.via_organisation.choices = [SelectChoice("", _l("Choose an intermediary"))] + [
        SelectChoice(str(o.id), group_label(o)) for o in intermediaries]
    return form


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (approve, mark paid)."""


class SendForm(FlaskForm):
    reference = StringField(_l("Reference of the transfer"),
                            validators=[Optional(), Length(max=128)],
                            description=_l("As the bank or provider gave it. Needed for bank "
                                           "transfers and mobile money."))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("What happened"), validators=[Optional(), Length(max=2000)],
                         description=_l("Stored encrypted, for officers only."),
                         render_kw={"rows": 3})


class CountryForm(FlaskForm):
    restricted = BooleanField(_l("Foreign funding is restricted"))
    summary = TextAreaField(_l("What officers should know"), render_kw={"rows": 8},
                            validators=[Optional(), Length(max=5000)],
                            description=_l("Which laws, what they require, which routes "
                                           "have worked. Never name a group or a person."))

