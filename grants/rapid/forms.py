"""Rapid-response forms: the defender's request and the officer's decision
(approve, ask, invite). Choices are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from grants.auth.forms import RegisterForm
from grants.fields import AmountField
from grants.models import RapidCategory, RiskLevel
from grants.money import CURRENCIES
from grants.organisations.forms import OrganisationForm
from grants.payments.routes import RAPID
from grants.rapid.request import LINE_CATEGORIES, MAX_LINES, SHORT_MAX, TEXT_MAX
from grants.validators import NameField

AUTO = {"dir": "auto"}  # any language, either direction


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _text(label, limit: int = TEXT_MAX, description: str = "", rows: int = 4):
    return TextAreaField(label, validators=[Optional(), Length(max=limit)],
                         description=description, render_kw={**AUTO, "rows": rows})


class RapidForm(FlaskForm):
    organisation = SelectField(_l("Filed by"), validate_choice=False)
    on_behalf = BooleanField(_l("We are a partner organisation filing for a defender"))
    defender_alias = NameField(
        _l("A name or code for the defender"), validators=[Optional(), Length(max=80)],
        description=_l("Only what we need to tell them apart. It is kept encrypted."),
        render_kw=AUTO)
    category = RadioField(_l("What is the support for?"), validate_choice=False,
                          choices=options(RapidCategory.choices()))
    relocation_justification = _text(
        _l("For relocation: why is protection where they are not enough?"),
        description=_l("We fund protection in the defender's own country first."))
    what_happened = _text(_l("What happened?"), rows=5)
    # Asked plainly, the safest answer first and chosen unless they change it.
    risk_level = RadioField(
        _l("How much danger does your work bring you now?"), validate_choice=False,
        default="high", choices=options((r.value, r.label) for r in reversed(RiskLevel)),
        description=_l("If you are not sure, keep the first answer. Then an officer must say "
                       "why before reading your request, and that is recorded."))
    needs_now = _text(_l("What is needed now?"))
    currency = SelectField(_l("Currency"), choices=options((c, c) for c in CURRENCIES),
                           validate_choice=False)
    safe_contact = StringField(_l("How and when is it safe to reach them?"),
                               validators=[Optional(), Length(max=SHORT_MAX)],
                               description=_l("For example: Signal, after 6 pm, never call."),
                               render_kw=AUTO)
    written_in = StringField(_l("Which language is this written in?"),
                             validators=[Optional(), Length(max=80)], render_kw=AUTO)
    gender_risk = _text(
        _l("Optional: are any of the risks tied to gender or sexual orientation?"),
        description=_l("Answer only if you want to. It helps us fund the right protection."))


LINE_CHOICES = options([("", _l("Choose"))]
                        + [(c.value, c.rapid_label) for c in LINE_CATEGORIES])
for _n in range(1, MAX_LINES + 1):
    setattr(RapidForm, f"line{_n}_category", SelectField(
        _l("Line %(n)d: for", n=_n), choices=LINE_CHOICES, validate_choice=False))
    setattr(RapidForm, f"line{_n}_description", NameField(
        _l("Line %(n)d: what", n=_n), validators=[Optional(), Length(max=SHORT_MAX)],
        render_kw=AUTO))
    setattr(RapidForm, f"line{_n}_amount", AmountField(
        _l("Line %(n)d: amount", n=_n), validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal"}))


class ProfileRapidForm(RapidForm):
    """For a defender with no profile yet: their own is made with the request, so only its
    country is asked (the same field as the profile's own page)."""

    country = OrganisationForm.country


class NewcomerRapidForm(ProfileRapidForm):
    """For a defender without an account: the request makes it in the same visit, with the
    registration page's own fields (and so its rule for names and passwords)."""

    username = RegisterForm.username
    password = RegisterForm.password
    confirm = RegisterForm.confirm


# The officer's decision ---------------------------------------------------------------------------

class RapidQuestionForm(FlaskForm):
    question = TextAreaField(
        _l("What do you need to know?"), render_kw={"rows": 4, "dir": "auto"},
        validators=[DataRequired(_l("Write what you need to know.")), Length(max=10_000)],
        description=_l("The defender reads it where they follow the request and answers "
                       "there. The clock keeps running."))


class RapidApproveForm(FlaskForm):
    """Approving an emergency request: the amount, and how the money goes (ready to send)."""

    amount = AmountField(_l("Amount"), validators=[DataRequired(_l("Enter the amount.")),
                                                    Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency"), choices=options((c, c) for c in CURRENCIES))
    route = SelectField(_l("How the money goes"),
                        choices=options((r.value, r.rapid_label) for r in RAPID))
    route_detail = NameField(
        _l("Mobile-money provider, or the trusted partner who hands it over"),
        validators=[Optional(), Length(max=300)], render_kw={"dir": "auto"},
        description=_l("Not needed for a bank transfer; account details go on the payment."))


class InviteForm(FlaskForm):
    call = SelectField(_l("Longer-term call"), validate_choice=False)  # checked by the view
    message = TextAreaField(
        _l("Message to the group"), render_kw={"rows": 4, "dir": "auto"},
        validators=[DataRequired(_l("Write a few words to the group.")), Length(max=10_000)])
