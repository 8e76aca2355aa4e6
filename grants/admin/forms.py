"""Administration forms; role choices are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from grants.models import Role
from grants.validators import UsernameField


def role_label(role) -> str:
    """The translated name of a role (a Role or its value)."""
    return Role.label_of(role)


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"))
    active = BooleanField(_l("Account active"))


class NewUserForm(FlaskForm):
    username = UsernameField(_l("User name"))
    role = SelectField(_l("Role"))
