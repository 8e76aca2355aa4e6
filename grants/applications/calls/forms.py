"""Call forms. Choices (funds, languages, bank questions) are passed in by the view;
amounts and percentages are typed as text and parsed by the services."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from grants.fields import AmountField, PercentField
from grants.models import CallStatus, CallType
from grants.validators import NameField, NumberRange

DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


def type_label(value) -> str:
    return CallType.label_of(value)


def status_label(value) -> str:
    return CallStatus.label_of(value)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CallForm(FlaskForm):
    call_type = SelectField(_l("Type of call"))
    fund_id = SelectField(_l("Fund"), coerce=int,
                          description=_l("Only active funds are listed. The call's amounts are "
                                         "in the fund's currency."))
    languages = MultiCheckboxField(_l("Languages the call is published in"))
    main_language = SelectField(
        _l("Main language"),
        description=_l("Shown when the call is not published in a visitor's language. "
                       "Questions you write need wording in it."))
    opens_on = DateField(
        _l("Opens on (optional; from 00:00 UTC that day)"), validators=[Optional()],
        description=_l("Leave empty to take applications as soon as you open the call."))
    closes_on = DateField(
        _l("Deadline (applications close at the end of this day, 23:59 UTC)"),
        validators=[Optional()], description=_l("Leave empty only for a rolling call."))
    amount_min = AmountField(_l("Smallest grant"), default="0",
                             validators=[Length(max=24)], render_kw=DECIMAL)
    amount_max = AmountField(_l("Largest grant"),
                             validators=[DataRequired(_l("Enter the largest amount.")),
                                         Length(max=24)], render_kw=DECIMAL)
    allow_registered = BooleanField(_l("Registered organisations"), default=True)
    allow_unregistered = BooleanField(_l("Groups and movements that are not registered"),
                                      default=True)
    allow_individuals = BooleanField(_l("Individual defenders"), default=True)
    allow_intermediary_route = BooleanField(
        _l("Groups may also apply through an intermediary (a fiscal host or regranting "
           "fund)"))
    min_protection_share = PercentField(
        _l("Minimum share for protection and security (%)"), default="0",
        validators=[Length(max=8)], render_kw=DECIMAL,
        description=_l("From 0 to 100, up to two decimals. 0 means the line is required "
                       "but may be any size."))
    min_psychosocial_share = PercentField(
        _l("Minimum share for psychosocial support and well-being (%)"), default="0",
        validators=[Length(max=8)], render_kw=DECIMAL,
        description=_l("Together with the protection share, at most 100%."))
    attachments_required = IntegerField(
        _l("Documents an applicant must attach"), default=0,
        validators=[NumberRange(0, 10, _l("Enter a number from 0 to 10."))],
        render_kw={"inputmode": "numeric"},
        description=_l("Each one adds about 5 minutes to the burden budget."))
    allow_reused_proposal = BooleanField(
        _l("Applicants may upload a proposal written for another funder instead of "
           "answering the long questions"), default=True)
    max_years = IntegerField(
        _l("Longest grant, in years"), default=1,
        validators=[NumberRange(1, 5, _l("Enter a number of years from 1 to 5."))],
        render_kw={"inputmode": "numeric"},
        description=_l("From 1 to 5. Core support calls usually give 3 years."))


class CallTextForm(FlaskForm):
    title = NameField(_l("Title"), validators=[DataRequired(_l("Give the call a title.")),
                                               Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=20_000)],
        description=_l("Who and what the call funds, in plain words. Line breaks are kept."),
        render_kw={"rows": 10})


class BankQuestionForm(FlaskForm):
    key = SelectField(_l("Question"), validators=[DataRequired(_l("Choose a question."))])
    word_limit = IntegerField(
        _l("Word limit (optional)"), validators=[
            Optional(), NumberRange(1, 1000, _l("Enter a word limit from 1 to 1000."))],
        render_kw={"inputmode": "numeric"},
        description=_l("Leave empty for the question's usual limit."))
    required = BooleanField(_l("An answer is required"), default=True)


class CustomQuestionForm(FlaskForm):
    word_limit = IntegerField(
        _l("Word limit"), default=150,
        validators=[NumberRange(1, 1000, _l("Enter a word limit from 1 to 1000."))],
        render_kw={"inputmode": "numeric"})
    required = BooleanField(_l("An answer is required"), default=True)
    replaceable = BooleanField(
        _l("A proposal written for another funder may replace the answer"))
    sensitive = BooleanField(
        _l("Sensitive: the answer could put people at risk if others saw it"))


def with_prompts(form_cls: type[FlaskForm], languages: list[tuple[str, str]], *,
                 main_required: bool) -> type[FlaskForm]:
    """The form class with one `prompt_<code>` field per call language (main first)."""
    fields = {}
    for i, (code, name) in enumerate(languages):
        main = i == 0
        label = (_("Question in %(language)s (main language)", language=name) if main
                 else _("Question in %(language)s (optional)", language=name))
        checks = [Length(max=1000)]
        if main and main_required:
            checks.insert(0, DataRequired(_("Write the question in %(language)s, the call's "
                                            "main language.", language=name)))
        else:
            checks.insert(0, Optional())
        fields[f"prompt_{code}"] = TextAreaField(
            label, validators=checks, render_kw={"lang": code, "dir": "auto", "rows": 2})
    return type(form_cls.__name__, (form_cls,), fields)


def prompt_fields(form: FlaskForm, languages: list[str]) -> list:
    return [form[f"prompt_{code}"] for code in languages]


def prompts_of(form: FlaskForm, languages: list[str]) -> dict[str, str]:
    return {code: form[f"prompt_{code}"].data or "" for code in languages}
