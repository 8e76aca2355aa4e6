"""Application forms and the labels they show; choices are passed in by the views."""

from __future__ import annotations

from babel import Locale
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from markupsafe import Markup
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from grants.money import format_money
from grants.validators import NameField

POPULATION_LABELS = {
    "women": _l("Women"),
    "lgbtiq": _l("LGBTIQ people"),
    "indigenous": _l("Indigenous peoples"),
    "minorities": _l("Ethnic or religious minorities"),
    "migrants_refugees": _l("Migrants and refugees"),
    "disabilities": _l("People with disabilities"),
    "young_people": _l("Young people"),
    "land_environment": _l("Land and environmental defenders"),
    "journalists": _l("Journalists"),
    "lawyers": _l("Human rights lawyers"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StartForm(FlaskForm):
    """Who applies (one of the user's groups, or a new one added here) and in which language."""

    organisation = RadioField(_l("Who is applying?"), validators=[DataRequired(
        message=_l("Choose who is applying."))])
    language = SelectField(_l("Language you will write in"), description=_l(
        "Write in the language you are most at ease in. The funder will read it in this "
        "language."))
    name = NameField(_l("Name of the group"), validators=[Optional(), Length(max=200)],
                     description=_l("A short code or a pseudonym is fine."))
    kind = RadioField(_l("What kind of group?"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()],
                          description=_l("Only the country; never a city or address."))
    legal_name = NameField(_l("Legal name (only if registered)"),
                           validators=[Optional(), Length(max=300)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.organisation.data == "new":
            for f, message in ((self.name, _l("Give the group a name.")),
                               (self.kind, _l("Choose what kind of group it is.")),
                               (self.country, _l("Choose a country."))):
                if not f.data:
                    f.errors = [*f.errors, message]
                    ok = False
        return ok


class AboutForm(FlaskForm):
    title = NameField(_l("A short title for your request"),
                      validators=[Length(max=200)], render_kw={"maxlength": 200},
                      description=_l("For example: Safety for our community radio."))
    language = SelectField(_l("Language you are writing in"))
    risk_level = RadioField(_l("How much danger does your work bring you now?"))
    threat_description = TextAreaField(
        _l("What threats do you face? (optional)"), render_kw={"rows": 4},
        description=_l("Only if it is safe to write it down. Stored encrypted; only the "
                       "programme officers handling your request can read it."))
    safe_contact = TextAreaField(
        _l("How and when is it safe to contact you?"), render_kw={"rows": 3},
        description=_l("For example: only through Signal, after 6 pm. Stored encrypted."))


class QuestionsBase(FlaskForm):
    proposal = FileField(_l("Upload a proposal you wrote for another funder (optional)"),
                         render_kw={"accept": ".pdf,.docx,.odt"})
    attachment = MultipleFileField(_l("Attach a document"),
                                   render_kw={"accept": ".pdf,.docx,.odt"})
    remove = MultiCheckboxField(_l("Remove a file"), coerce=str, validate_choice=False)


def questions_form(fields: list[tuple[str, str]], *, lang: str, **kwargs) -> QuestionsBase:
    """A form with one text box per question: `fields` is [(name, prompt), ...]."""
    attrs = {"rows": 6, "lang": lang, "dir": "auto"}
    form_class = type("QuestionsForm", (QuestionsBase,), {
        name: TextAreaField(prompt, render_kw=attrs) for name, prompt in fields})
    return form_class(**kwargs)


class FocusForm(FlaskForm):
    populations = MultiCheckboxField(
        _l("Who you are and who you work with"), validate_choice=False,
        description=_l("Tick any that fit, or none."))
    own_words = TextAreaField(
        _l("In your own words (optional)"), validators=[Length(max=500)],
        render_kw={"rows": 3, "maxlength": 500})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing? (optional)"),
                           validators=[Optional(), Length(max=1000)], render_kw={"rows": 3},
                           description=_l("It helps the funder improve. Stored encrypted."))
    confirm = BooleanField(_l("Yes, withdraw this application"), validators=[DataRequired(
        message=_l("Tick the box to confirm."))])


class DeleteForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete this draft and its files for good"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SendForm(FlaskForm):
    """The button that sends the application (the CSRF token is its content)."""


class RouteForm(FlaskForm):
    """How the application reaches the funder (IV.6); choices are passed in."""

    route = RadioField(_l("How should your application reach the funder?"),
                       validators=[DataRequired(_l("Choose one."))])


# Presentation helpers: what the views show, built from what they pass in. -----------------

def language_name(code: str) -> str:
    """A language's name in itself (its autonym), e.g. es -> español."""
    try:
        return Locale.parse(code).get_language_name(code) or code
    except (ValueError, LookupError):
        return code


def language_choices(codes: list[str]) -> list[tuple[str, str]]:
    return [(c, language_name(c)) for c in codes]


def problem_text(problem, currency: str, lang: str) -> str:
    """A service's Problem in the reader's language, amounts formatted for them."""
    params = {k: format_money(v, currency, lang) if k.endswith("_minor") else v
              for k, v in problem.params.items()}
    return gettext(problem.message, **params)


def prompt(question, application) -> Markup | str:
    """The question in the application's language, else in a language the call has it
    in, marked with that language when it is not the page's."""
    from grants.applications.calls.texts import question_wording
    from grants.content import in_language

    return in_language(*question_wording(question, application.language))


def describe_questions(form, application, *, replaced: bool) -> None:
    """Each answer box's hint: its word limit, the words written now, whether optional."""
    from grants.applications.services import count_words

    for q in application.call.asked_questions:
        box = form[f"q{q.id}"]
        hint = gettext("Up to %(limit)d words. You have written %(words)d.",
                       limit=q.word_limit, words=count_words(box.data))
        if not q.required or (replaced and q.replaceable):
            hint += " " + gettext("Optional.")
        elif q.replaceable and application.call.allow_reused_proposal:
            hint += " " + gettext("A proposal you upload below can replace this answer.")
        box.description = hint


def summary(application, *, sensitive: bool, own_side: bool, lang: str) -> dict:
    """What the review step and the application page show. The self-description is read
    only for the group's own side (`own_side`): staff never get it, not even hidden."""
    from grants.applications import budget, services

    answers = {a.question_id: a.text for a in application.answers}
    questions = [{"number": n, "question": q, "prompt": prompt(q, application),
                  "answer": answers.get(q.id, ""),
                  "words": services.count_words(answers.get(q.id))}
                 for n, q in enumerate(application.call.asked_questions, start=1)]
    keys, words = services.focus_parts(application) if own_side else ([], "")
    return {"application": application, "call": application.call,
            "call_text": application.call.text(lang), "questions": questions,
            "totals": budget.totals(application.budget_lines), "sensitive": sensitive,
            "own_side": own_side, "focus_keys": keys, "focus_words": words,
            "reused": services.uses_reused_proposal(application)}


def start_choices(form: StartForm, *, groups, kinds, languages, countries) -> StartForm:
    """Fill the start form's choices: the user's eligible groups or a new one."""
    form.organisation.choices = [(str(o.id), o.name) for o in groups] + [
        ("new", gettext("A group or organisation not listed here (add it now)"))]
    form.language.choices = language_choices(languages)
    form.kind.choices = [(k.value, k.label) for k in kinds]
    form.country.choices = [("", gettext("Choose a country")), *countries]
    return form


class RevealForm(FlaskForm):
    """Why an officer opens a high-risk application's sensitive details (logged)."""

    reason = RadioField(_l("Why do you need them?"), choices=[
        SelectChoice("decide", _l("To assess or decide on the request")),
        SelectChoice("contact", _l("To contact the group")),
        SelectChoice("payment", _l("To arrange a payment")),
        SelectChoice("safety", _l("Because of a safety concern")),
        SelectChoice("other", _l("Another part of my work on this request"))],
        validators=[DataRequired(message=_l("Choose why you need these details."))])
