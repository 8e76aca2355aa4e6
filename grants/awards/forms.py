"""Award and report forms and the labels the pages show. Forms whose fields depend on the
award (one per tranche, budget line or question) are built from what the view passes in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from grants.content import shipped
from grants.fields import AmountField
from grants.models import Award, BudgetCategory, ReportRequirement
from grants.money import plain_amount
from grants.validators import NameField

REASON_HINT = _l("Kept with the change for officers; the group does not see it.")
DATE_ERROR = _l("Enter a date like 2027-03-31.")


def _reason() -> TextAreaField:
    return TextAreaField(_l("Reason (optional)"), description=REASON_HINT,
                         validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})


class ExtendForm(FlaskForm):
    end_date = DateField(_l("New end date"), validators=[InputRequired(message=DATE_ERROR)],
                         description=_l("The amount stays the same; only the end moves later."))
    reason = _reason()


class OralReportForm(FlaskForm):
    notes = TextAreaField(_l("What the group told you"), render_kw={"rows": 10},
                          description=_l("Stored encrypted. Write only what the group agreed "
                                         "to have written down."))


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Your decision"), choices=[
        SelectChoice("accept", _l("Accept the report")),
        SelectChoice("changes", _l("Ask for more (the group reads your note and sends "
                                   "again)"))],
        validators=[InputRequired(message=_l("Choose whether to accept or ask for more."))])
    note = TextAreaField(_l("Note to the group"), render_kw={"rows": 4},
                         description=_l("Needed when you ask for more. The group reads it."))


class RequirementForm(FlaskForm):
    title = NameField(_l("Title"), validators=[Length(max=200)])
    due_date = DateField(_l("Due date"), validators=[InputRequired(message=DATE_ERROR)])
    questions = TextAreaField(_l("Questions, one per line (at most 3)"),
                              render_kw={"rows": 4})
    reason = _reason()


class StatusForm(FlaskForm):
    action = RadioField(_l("What happens to the award"), validators=[
        InputRequired(message=_l("Choose what happens to the award."))])
    reason = TextAreaField(_l("Reason"), description=REASON_HINT, render_kw={"rows": 3},
                           validators=[Length(max=2000)])


STATUS_ACTION_LABELS = {
    "suspend": _l("Suspend it: nothing is released and no reports are taken until it resumes"),
    "resume": _l("Resume it"),
    "close": _l("Close it: tranches not yet released are cancelled"),
}


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (release a tranche)."""


def schedule_form(award: Award, planned: list, **kwargs) -> FlaskForm:
    """A row per planned tranche: amount, due date and the report that gates it."""

    class ScheduleForm(FlaskForm):
        reason = _reason()

    gates = [SelectChoice("", _l("Nothing: release it any time"))] + [
        SelectChoice(str(r.id), shipped(r.title)) for r in award.report_requirements]
    data = {}
    for t in planned:
        setattr(ScheduleForm, f"amount_{t.id}", AmountField(
            _l("Tranche %(n)d amount (%(cur)s)", n=t.sequence, cur=award.currency)))
        setattr(ScheduleForm, f"due_{t.id}", DateField(
            _l("Tranche %(n)d due date", n=t.sequence),
            validators=[InputRequired(message=DATE_ERROR)]))
        setattr(ScheduleForm, f"gate_{t.id}", SelectField(
            _l("Tranche %(n)d waits for", n=t.sequence), choices=gates))
        data |= {f"amount_{t.id}": plain_amount(t.amount_minor, award.currency),
                 f"due_{t.id}": t.due_date, f"gate_{t.id}": str(t.gating_requirement_id or "")}
    return ScheduleForm(data=data, **kwargs)


def budget_form(award: Award, described: bool = True, **kwargs) -> FlaskForm:
    """A field per budget line of the award, with what it pays for when `described`."""

    class BudgetForm(FlaskForm):
        new_category = SelectField(_l("Add a line: what for"), choices=[
            SelectChoice("", _l("No new line"))] + [
            SelectChoice(key, label) for key, label in BudgetCategory.choices()],
            validate_choice=False)
        new_year = SelectField(_l("Add a line: year"), choices=[
            SelectChoice(str(y), str(y)) for y in range(1, award.years + 1)],
            validate_choice=False)  # checked with the amount, only when a line is added
        new_description = NameField(_l("Add a line: description (optional)"),
                                    validators=[Optional(), Length(max=300)])
        new_amount = AmountField(_l("Add a line: amount (%(cur)s)", cur=award.currency),
                                 description=_l("Take the same amount from other lines."))
        reason = _reason()

    data = {}
    for line in award.budget_lines:
        label = _l("Year %(year)d: %(category)s (%(cur)s)", year=line.year,
                   category=line.category.label, cur=award.currency)
        setattr(BudgetForm, f"line_{line.id}", AmountField(
            label, description=line.description if described else ""))
        data[f"line_{line.id}"] = plain_amount(line.amount_minor, award.currency)
    return BudgetForm(data=data, **kwargs)


def report_form(requirement: ReportRequirement, **kwargs) -> FlaskForm:
    """An answer box per question, and the upload that can replace them."""

    class ReportForm(FlaskForm):
        upload = FileField(_l("Or upload a report you wrote for another funder"),
                           description=_l("PDF, Word (.docx) or OpenDocument (.odt). It "
                                          "replaces the answers above."))

    for i, question in enumerate(requirement.questions, start=1):
        setattr(ReportForm, f"answer_{i}", TextAreaField(
            shipped(question), render_kw={"rows": 5, "maxlength": 5000},
            validators=[Optional(), Length(max=5000)]))
    return ReportForm(**kwargs)


def answer_fields(form: FlaskForm, requirement: ReportRequirement) -> list:
    return [form[f"answer_{i}"] for i in range(1, len(requirement.questions) + 1)]
