"""Forms of the defenders' voice: the survey and the consultation log. Choices (funds,
countries) are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from grants.models import CommitmentStatus
from grants.validators import NameField, NumberRange
from grants.voice.consultations import (
    GROUP_LABEL_MAX,
    MAX_GROUPS,
    PARTICIPANTS_MAX,
    TEXT_MAX,
    TOPIC_MAX,
)
from grants.voice.survey import CHANGE_MAX

AUTO = {"dir": "auto"}
SCORES = [SelectChoice(str(n), str(n)) for n in range(1, 6)]
# The words at both ends of each scale (1 and 5), shown beside the numbers.
SCALE_ENDS = {
    "respectful": (_l("Not respectful at all"), _l("Very respectful")),
    "burden": (_l("Very light"), _l("Very heavy")),
    "useful": (_l("Not useful at all"), _l("Very useful")),
}
SCORE_ERROR = _l("Choose a number from 1 to 5.")
DATE_ERROR = _l("Enter the date, for example 2026-11-20.")
COUNT_ERROR = _l("Enter a whole number, for example 12.")
RANGE_ERROR = _l("Enter a number from 0 to 100000.")  # PARTICIPANTS_MAX


class _Date(DateField):
    """A date whose parse error says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_ERROR) from None


class _Count(IntegerField):
    """A whole number whose parse error says what to type, and only that; empty is None."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(COUNT_ERROR) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def _range() -> NumberRange:
    return NumberRange(min=0, max=PARTICIPANTS_MAX, message=RANGE_ERROR)


def _scale(label):
    return RadioField(label, choices=SCORES, validators=[InputRequired(SCORE_ERROR)])


class SurveyForm(FlaskForm):
    respectful = _scale(_l("How respectfully were you treated by our staff?"))
    burden = _scale(_l("How much work did applying and reporting take?"))
    useful = _scale(_l("How useful was our support to your work and your safety?"))
    change = TextAreaField(
        _l("What should we change? (optional)"),
        description=_l("Please do not write names or anything that shows who you are."),
        validators=[Optional(), Length(max=CHANGE_MAX)], render_kw={**AUTO, "rows": 4})


class ConsultationForm(FlaskForm):
    held_on = _Date(_l("Held on"), validators=[InputRequired(DATE_ERROR)])
    topic = NameField(_l("Topic"), validators=[InputRequired(_l("Write the topic.")),
                                               Length(max=TOPIC_MAX)], render_kw=AUTO)
    fund_id = SelectField(_l("Fund (optional)"), validate_choice=False)
    country = SelectField(_l("Country (optional)"), validate_choice=False,
                          description=_l("Leave empty for a regional or online meeting."))
    participants = _Count(
        _l("Number of participants"),
        description=_l("Counts only: never names."),
        validators=[InputRequired(_l("Enter how many took part (a whole number).")),
                    _range()])
    heard = TextAreaField(_l("What we heard"), validators=[Optional(), Length(max=TEXT_MAX)],
                          render_kw={**AUTO, "rows": 6})
    commitment = TextAreaField(_l("What we will do about it"),
                               validators=[Optional(), Length(max=TEXT_MAX)],
                               render_kw={**AUTO, "rows": 4})
    commitment_status = SelectField(_l("How far that went"),
                                    choices=[SelectChoice(k, v)
                                             for k, v in CommitmentStatus.choices()],
                                    default="planned")
    outcome = TextAreaField(_l("Outcome so far"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={**AUTO, "rows": 4})


for _n in range(1, MAX_GROUPS + 1):
    setattr(ConsultationForm, f"group{_n}_label", NameField(
        _l("Group, as participants described themselves"),
        validators=[Optional(), Length(max=GROUP_LABEL_MAX)], render_kw=AUTO))
    setattr(ConsultationForm, f"group{_n}_count", _Count(
        _l("How many"), validators=[Optional(), _range()]))
