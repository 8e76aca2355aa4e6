"""Review forms and labels. Choices (officers, reviewers, rubric) are passed in by views;
amounts are typed as text and parsed by grants.money, so nothing is rounded silently."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from grants.content import shipped
from grants.fields import AmountField
from grants.models import Recommendation, RegrantType, SupportType
from grants.money import CURRENCIES

# The regrant types in the order an officer approving through an intermediary meets them.
REGRANT_CHOICES = (RegrantType.TRANSFER_TO_INTERMEDIARY, RegrantType.COMMON_REGRANT,
                   RegrantType.FISCAL_SPONSOR)


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


SCORE_CHOICES = options((n, str(n)) for n in range(1, 6))
DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class ConflictForm(FlaskForm):
    conflict = RadioField(_l("Do you have a conflict of interest with this application?"),
                          choices=options([("no", _l("No, I can review it fairly")),
                                           ("yes", _l("Yes, I have a conflict of interest"))]),
                          validators=[DataRequired(_l("Choose yes or no."))],
                          description=_l("For example: you know the group or its people, "
                                         "you work with them or compete with them for funds."))
    note = TextAreaField(_l("What is the conflict? (optional)"),
                         validators=[Optional(), Length(max=2000)], render_kw={"rows": 3},
                         description=_l("Stored encrypted; only kept with your declaration."))


class RecuseForm(FlaskForm):
    """An officer stepping away from an application they were not assigned to."""

    note = TextAreaField(_l("What is the conflict? (optional)"),
                         validators=[Optional(), Length(max=2000)], render_kw={"rows": 3},
                         description=_l("Stored encrypted. You will no longer see this "
                                        "application."))


class AssignOfficerForm(FlaskForm):
    officer = SelectField(_l("Programme officer"), coerce=int,
                          validators=[DataRequired(_l("Choose an officer."))])


class AssignReviewerForm(FlaskForm):
    reviewer = SelectField(_l("Reviewer"), coerce=int,
                           validators=[DataRequired(_l("Choose a reviewer."))],
                           description=_l("They answer a conflict-of-interest question before "
                                          "they see anything of the application."))


class ScoreBase(FlaskForm):
    recommendation = RadioField(_l("Your recommendation"),
                                choices=options(Recommendation.choices()),
                                validators=[DataRequired(_l("Choose a recommendation."))])
    comment = TextAreaField(_l("Comments for the programme officer (optional)"),
                            validators=[Optional(), Length(max=5000)], render_kw={"rows": 5})


def score_form(labels: list[str], **kwargs) -> ScoreBase:
    """A form with one 1-5 choice per criterion of the rubric, named c0, c1, ..."""
    fields = {f"c{i}": RadioField(shipped(label), choices=SCORE_CHOICES, coerce=int,
                                  validators=[DataRequired(_l("Give a score from 1 to 5."))])
              for i, label in enumerate(labels)}
    return type("ScoreForm", (ScoreBase,), fields)(**kwargs)


class RequestInfoForm(FlaskForm):
    message = TextAreaField(
        _l("What do you need to know?"), render_kw={"rows": 5},
        validators=[DataRequired(_l("Write what you need to know.")), Length(max=10_000)],
        description=_l("The group reads this in the portal and can change their application "
                       "and send it again. Their text stays as it is."))


class ApproveForm(FlaskForm):
    amount = AmountField(_l("Amount"), validators=[Length(max=24)], render_kw=DECIMAL)
    currency = SelectField(_l("Currency"), choices=options((c, c) for c in CURRENCIES))
    start_date = DateField(_l("Start date"), validators=[Optional()],
                           description=_l("For example 2027-01-31."))
    years = IntegerField(_l("Duration in years"), validators=[Optional()],
                         render_kw={"inputmode": "numeric"})
    support_type = RadioField(_l("Kind of support"), choices=options(
                                  (s.value, s.choice_label) for s in SupportType),
                              validators=[DataRequired(_l("Choose the kind of support."))])
    conditions = TextAreaField(_l("Conditions (optional)"),
                               validators=[Optional(), Length(max=5000)], render_kw={"rows": 3},
                               description=_l("The group sees them with the award."))
    # Only on applications that may go through an intermediary; choices passed in.
    route = SelectField(_l("Fund the group"), validators=[Optional()],
                        description=_l("Through an intermediary, the award goes to it and "
                                       "passes on to the group as a sub-grant."))
    regrant_type = SelectField(_l("Regrant type (360Giving)"),
                               choices=options((r.value, r.label) for r in REGRANT_CHOICES),
                               default="FRG020")


DIRECT = "direct"
# Form fields an approval's confirmation page does not carry over as typed.
NOT_CARRIED = frozenset({"csrf_token", "decision", "confirmed", "far_ok"})


class ConfirmTermsForm(FlaskForm):
    """The last step of an approval: the terms as understood, shown back; the typed values
    travel as hidden fields. Far from the amount requested, the officer ticks that it is
    meant."""

    far_ok = BooleanField(_l("Yes, approve this amount"))


class DeclineForm(FlaskForm):
    message = TextAreaField(
        _l("Message to the applicant"), render_kw={"rows": 5},
        validators=[DataRequired(_l("Write a message to the applicant.")),
                    Length(max=10_000)],
        description=_l("The group reads it in the portal. Be kind and clear; say if they may "
                       "apply again."))


class RubricForm(FlaskForm):
    criteria = TextAreaField(
        _l("Criteria, one per line"), render_kw={"rows": 6},
        validators=[DataRequired(_l("Give at least one criterion."))],
        description=_l("Reviewers score each from 1 (weak) to 5 (strong). Keep it to a few."))
