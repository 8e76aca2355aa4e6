"""Ledger forms and the labels its pages show. Choices that come from the database (routes
suggested for a group, intermediaries) are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from grants.fields import AmountField
from grants.validators import NameField
from grants.web import group_label

ROUTE_LABELS = {
    "stripe_transfer": _l("Stripe transfer to the group's account"),
    "bank_transfer": _l("Bank transfer"),
    "intermediary": _l("Through an intermediary (its regranting pool)"),
    "mobile_money": _l("Mobile money"),
    "trusted_partner": _l("Cash or goods through a trusted partner"),
}
STATUS_LABELS = {
    "scheduled": _l("Scheduled, waiting for approval"), "approved": _l("Approved, to send"),
    "sent": _l("Sent"), "paid": _l("Paid"), "failed": _l("Failed"),
    "returned": _l("Returned"), "cancelled": _l("Cancelled"),
}
# What the group reads: the state only, in plain words.
GROUP_STATUS_LABELS = {
    "scheduled": _l("Being prepared"), "approved": _l("Being prepared"),
    "sent": _l("On its way"), "paid": _l("Paid"), "failed": _l("Did not arrive"),
    "returned": _l("Came back"), "cancelled": _l("Cancelled"),
}
WAITING_LABELS = {
    "approval": _l("Needs an approval"),
    "other_officer": _l("Waits for a second officer"),
    "your_second_approval": _l("Needs your second approval"),
    "sending": _l("Approved: to send"),
    "confirmation": _l("Sent: to confirm when paid"),
}
INDIRECT_HINT = _l("Suggested: the group does not receive foreign money itself.")


class ScheduleForm(FlaskForm):
    route = RadioField(_l("Route"), validators=[
        InputRequired(message=_l("Choose how the money goes."))])
    amount = AmountField(_l("Amount"), validators=[
        InputRequired(message=_l("Enter the amount."))])
    holder = NameField(_l("Account holder"), validators=[Optional(), Length(max=300)],
                       description=_l("Bank transfer: the name as the bank knows it."),
                       render_kw={"autocomplete": "off", "dir": "auto"})
    bank = NameField(_l("Bank"), validators=[Optional(), Length(max=300)],
                     render_kw={"autocomplete": "off", "dir": "auto"})
    bank_country = SelectField(_l("Country of the bank"), validate_choice=False)
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=64)],
                       description=_l("Its check digits are verified. Where the bank's country "
                                      "has no IBAN, give the local account number below."),
                       render_kw={"autocomplete": "off", "dir": "ltr", "spellcheck": "false"})
    bic = StringField(_l("BIC (SWIFT code)"), validators=[Optional(), Length(max=16)],
                      description=_l("8 or 11 letters and digits. Needed with a local account "
                                     "number."),
                      render_kw={"autocomplete": "off", "dir": "ltr", "spellcheck": "false"})
    account = StringField(_l("Local account number, or mobile number"),
                          validators=[Optional(), Length(max=300)],
                          description=_l("Stored encrypted, like the IBAN; only its last four "
                                         "characters are ever shown."),
                          render_kw={"autocomplete": "off", "dir": "ltr"})
    provider = NameField(_l("Mobile-money provider"), validators=[Optional(), Length(max=300)])
    via_organisation = SelectField(_l("Intermediary"), validate_choice=False)
    partner = NameField(_l("Trusted partner"), validators=[Optional(), Length(max=300)],
                        description=_l("Who hands the money or goods over. Stored "
                                         "encrypted."))
    handed_over = StringField(_l("What the partner hands over"),
                              validators=[Optional(), Length(max=300)])


    def validate_holder(self, field) -> None:
        """A bank transfer is scheduled with what the bank needs (the rest is checked by
        grants.payments.bank)."""
        if self.route.data == "bank_transfer" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the account holder's name, as the bank knows it."))


def schedule_form(routes: list, intermediaries: list, currency: str, countries: list,
                  **kwargs) -> ScheduleForm:
    form = ScheduleForm(**kwargs)
    form.bank_country.choices = [SelectChoice("", _l("Choose a country"))] + [
        SelectChoice(code, name) for code, name in countries]
    form.amount.label.text = _l("Amount (%(cur)s)", cur=currency)
    form.route.choices = [SelectChoice(r.value, ROUTE_LABELS[r.value]) for r in routes]
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

