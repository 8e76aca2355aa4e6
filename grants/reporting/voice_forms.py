"""Forms of the defenders' voice: the survey and the consultation log. Choices (funds,
countries) are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from grants.reporting.consultations import (
    GROUP_LABEL_MAX,
    MAX_GROUPS,
    PARTICIPANTS_MAX,
    TEXT_MAX,
    TOPIC_MAX,
)
from grants.reporting.survey import CHANGE_MAX

AUTO = {"dir": "auto"}
SCORES = [SelectChoice(str(n), str(n)) for n in range(1, 6)]
# The words at both ends of each scale (1 and 5), shown beside the numbers.
SCALE_ENDS = {
    "respectful": (_l("Not respectful at all"), _l("Very respectful")),
    "burden": (_l("Very light"), _l("Very heavy")),
    "useful": (_l("Not useful at all"), _l("Very useful")),
}
STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
SCORE_ERROR = _l("Choose a number from 1 to 5.")


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
    held_on = DateField(_l("Held on"), validators=[InputRequired(_l(
        "Enter the date, for example 2026-11-20."))])
    topic = StringField(_l("Topic"), validators=[InputRequired(_l("Write the topic.")),
                                                 Length(max=TOPIC_MAX)], render_kw=AUTO)
    fund_id = SelectField(_l("Fund (optional)"), validate_choice=False)
    country = SelectField(_l("Country (optional)"), validate_choice=False,
                          description=_l("Leave empty for a regional or online meeting."))
    participants = IntegerField(
        _l("Number of participants"),
        description=_l("Counts only: never names."),
        validators=[InputRequired(_l("Enter how many took part (a whole number).")),
                    NumberRange(min=0, max=PARTICIPANTS_MAX)])
    heard = TextAreaField(_l("What we heard"), validators=[Optional(), Length(max=TEXT_MAX)],
                          render_kw={**AUTO, "rows": 6})
    commitment = TextAreaField(_l("What we will do about it"),
                               validators=[Optional(), Length(max=TEXT_MAX)],
                               render_kw={**AUTO, "rows": 4})
    commitment_status = SelectField(_l("How far that went"),
                                    choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()],
                                    default="planned")
    outcome = TextAreaField(_l("Outcome so far"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={**AUTO, "rows": 4})


for _n in range(1, MAX_GROUPS + 1):
    setattr(ConsultationForm, f"group{_n}_label", StringField(
        _l("Group, as participants described themselves"),
        validators=[Optional(), Length(max=GROUP_LABEL_MAX)], render_kw=AUTO))
    setattr(ConsultationForm, f"group{_n}_count", IntegerField(
        _l("How many"), validators=[Optional(), NumberRange(min=0, max=PARTICIPANTS_MAX)]))
