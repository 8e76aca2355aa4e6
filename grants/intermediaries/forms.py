"""Forms of the regranting workspace; choices (countries, themes) are passed in by views.
Amounts are typed as text and parsed by grants.money, so nothing is rounded silently."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from grants.fields import AmountField
from grants.models import BudgetCategory, RegrantType
from grants.payments.routes import SUBGRANT
from grants.validators import NameField


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class EndorseForm(FlaskForm):
    decision = RadioField(_l("Your answer"), choices=options([
        ("endorse", _l("Endorse: send it on to the funder's review")),
        ("decline", _l("Decline: the group reads your message"))]),
        validators=[DataRequired(_l("Choose endorse or decline."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)],
                         render_kw={"rows": 4},
                         description=_l("When you endorse, the funder's officers read it. "
                                        "When you decline, the group reads it in the portal."))


class SubGrantForm(FlaskForm):
    recipient_code = NameField(
        _l("Code for the group"), validators=[DataRequired(_l("Give a code.")), Length(max=32)],
        description=_l("A code only, for example MOV-07; never a name. The funder never sees "
                       "it."), render_kw={"autocomplete": "off"})
    amount = AmountField(_l("Amount"), validators=[DataRequired(_l("Enter an amount.")),
                                                   Length(max=24)], render_kw=DECIMAL)
    country = SelectField(_l("Country"), validators=[DataRequired(_l("Choose a country."))])
    category = SelectField(_l("What it is for"), choices=options(BudgetCategory.choices()),
                           default="programme")
    theme = SelectField(_l("Theme"), validators=[Optional()])
    purpose = StringField(_l("Purpose (optional)"), validators=[Optional(), Length(max=300)],
                          description=_l("Without names or places finer than a country."))
    keep_details = RadioField(_l("Identifying details"), choices=options([
        ("none", _l("Do not store any")), ("encrypted", _l("Store them, encrypted"))]),
        default="none")
    recipient_details = TextAreaField(
        _l("Details to keep (optional)"), validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3, "autocomplete": "off"},
        description=_l("Only your organisation's staff can read them. Kept only if you choose "
                       "to store them."))


class PaymentForm(FlaskForm):
    amount = AmountField(_l("Amount paid"), validators=[DataRequired(_l("Enter an amount.")),
                                                        Length(max=24)], render_kw=DECIMAL)
    route = RadioField(_l("How it was paid"),
                       choices=options((r.value, r.subgrant_label) for r in SUBGRANT),
                       validators=[DataRequired(_l("Choose how it was paid."))])
    paid_on = DateField(_l("Paid on"), validators=[InputRequired(_l("Enter the date, for "
                                                                    "example 2027-01-31."))])
    reference = StringField(_l("Reference (optional)"), validators=[Optional(), Length(max=500)],
                            description=_l("Stored encrypted; leave it empty if it could "
                                           "identify someone."))
    advance = RadioField(_l("If it is more than the funder has paid you so far"),
                         choices=options([
                             ("no", _l("Do not record it")),
                             ("yes", _l("Record the rest as an advance from our own funds"))]),
                         default="no", validators=[DataRequired(_l("Choose one."))])


class CallForm(FlaskForm):
    """An intermediary's short call for its own sub-grants."""

    title = NameField(_l("Title"), validators=[DataRequired(_l("Give a title.")),
                                               Length(max=200)])
    description = TextAreaField(_l("What you fund"), validators=[Optional(), Length(max=5000)],
                                render_kw={"rows": 4})
    amount_min = AmountField(_l("Smallest grant"), validators=[InputRequired(), Length(max=24)],
                             render_kw=DECIMAL, default="0")
    amount_max = AmountField(_l("Largest grant"), validators=[InputRequired(), Length(max=24)],
                             render_kw=DECIMAL)
    closes_on = DateField(_l("Closes on (optional)"), validators=[Optional()],
                          description=_l("Empty: it takes applications until you close it."))


class SubGrantDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=options([
        ("approve", _l("Make a sub-grant")), ("decline", _l("Decline"))]),
        validators=[DataRequired(_l("Choose a decision."))])
    amount = AmountField(_l("Amount"), validators=[Optional(), Length(max=24)], render_kw=DECIMAL)
    category = SelectField(_l("What it is for"), choices=options(BudgetCategory.choices()),
                           default="programme")
    theme = SelectField(_l("Theme"), validators=[Optional()])
    message = TextAreaField(_l("Message to the group"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 4},
                            description=_l("Needed when you decline; the group reads it in the "
                                           "portal."))


class ProfileForm(FlaskForm):
    """What the intermediary serves, so groups can choose it (IV.6)."""

    serves_countries = StringField(
        _l("Countries you serve"), validators=[Length(max=400)],
        description=_l("Two-letter country codes separated by commas, for example KE, UG, TZ."))
    themes = TextAreaField(_l("Themes, one per line"), validators=[Length(max=2000)],
                           render_kw={"rows": 4})
    accepts_routed = RadioField(_l("Do you accept applications routed to you?"),
                                choices=options([("yes", _l("Yes")), ("no", _l("No"))]),
                                validators=[DataRequired(_l("Choose yes or no."))])


class RegrantingAwardForm(FlaskForm):
    """The funder's regranting award to an intermediary; choices are passed in."""

    intermediary = SelectField(_l("Intermediary"), coerce=int,
                               validators=[DataRequired(_l("Choose an intermediary."))])
    fund = SelectField(_l("Fund"), coerce=int, validators=[DataRequired(_l("Choose a fund."))])
    amount = AmountField(_l("Amount of the award"), validators=[
        DataRequired(_l("Enter an amount.")), Length(max=24)], render_kw=DECIMAL)
    regranting = AmountField(_l("Of which to sub-grant"), validators=[
        DataRequired(_l("Enter an amount.")), Length(max=24)], render_kw=DECIMAL,
        description=_l("The rest may cover the intermediary's own costs."))
    regrant_type = RadioField(_l("Regrant type (360Giving)"),
                              choices=options((r.value, r.label) for r in RegrantType),
                              default="FRG010")
    start_date = DateField(_l("Start date"), validators=[Optional()],
                           description=_l("For example 2027-01-31."))
    years = SelectField(_l("Duration in years"), coerce=int,
                        choices=options((n, str(n)) for n in range(1, 6)), default=1)
    conditions = TextAreaField(_l("Conditions (optional)"),
                               validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})
