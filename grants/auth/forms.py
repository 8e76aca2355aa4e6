"""Account forms. Messages are wrapped for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.validators import Email as EmailValidator

from grants.validators import UsernameField


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "dir": "auto"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Six-digit code from your authenticator app"),
                       validators=[DataRequired(), Length(min=6, max=8)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class RegisterForm(FlaskForm):
    username = UsernameField(
        _l("User name"),
        more=_l("It can be a pseudonym. Others in the portal see only this name."))
    email = EmailField(
        _l("E-mail address (optional)"),
        description=_l("Leave empty if e-mail is not safe for you. You will get a recovery "
                       "code instead."),
        validators=[Optional(), EmailValidator(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"), description=_l("At least 12 characters. A few words together work well."),
        validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    language = SelectField(_l("Language"))
    next = HiddenField()


class RecoverForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "dir": "auto"})
    code = StringField(_l("Recovery code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand: my account and my unsent drafts are deleted "
                              "for good."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class ConfirmForm(FlaskForm):
    """A button-only form (the CSRF token is its content)."""


class UserAdminForm(FlaskForm):
    role = SelectField(_l("Role"))
    active = BooleanField(_l("Account active"))
