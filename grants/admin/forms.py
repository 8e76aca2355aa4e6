"""Administration forms; role choices are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from grants.validators import UsernameField

ROLE_LABELS = {
    "applicant": _l("Applicant"),
    "officer": _l("Programme officer"),
    "reviewer": _l("Reviewer"),
    "intermediary": _l("Intermediary"),
    "admin": _l("Administrator"),
}


def role_label(role) -> str:
    """The translated name of a role (a Role or its value)."""
    value = getattr(role, "value", role)
    return str(ROLE_LABELS.get(value, value))


class UserEditForm(FlaskForm):
    role = SelectField(_l("Role"))
    active = BooleanField(_l("Account active"))


class NewUserForm(FlaskForm):
    username = UsernameField(_l("User name"))
    role = SelectField(_l("Role"))
