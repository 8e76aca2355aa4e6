"""Administration forms; role choices are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"))
    active = BooleanField(_l("Account active"))


class NewUserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=32)])
    role = SelectField(_l("Role"))
