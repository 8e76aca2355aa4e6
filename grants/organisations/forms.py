"""Organisation forms; the kinds offered are passed in by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from grants.validators import NameField


class OrganisationForm(FlaskForm):
    name = NameField(
        _l("Name"),
        description=_l("The name we show in the portal. A short code or pseudonym is fine."),
        validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Who is applying"))
    country = SelectField(_l("Country"), validators=[DataRequired()],
                          description=_l("Only the country; never a city or address."))
    legal_name = NameField(_l("Legal name (if registered)"),
                           validators=[Optional(), Length(max=300)])
    registration_number = NameField(_l("Registration number (if registered)"),
                                    validators=[Optional(), Length(max=100)])
    contact_details = TextAreaField(
        _l("How we can reach you safely"),
        description=_l("Stored encrypted. Only staff who need it can read it."),
        validators=[Optional(), Length(max=2000)])
    directory_opt_in = BooleanField(
        _l("List us in the grantee directory for peer exchange"),
        description=_l("Only other grantees who are listed themselves see the directory. "
                       "Untick to leave it at once."))
    directory_blurb = TextAreaField(
        _l("What peers should know about you (optional)"),
        description=_l("Shown in the directory: your work, what you can share, what you "
                       "are looking for. Leave out anything that puts you at risk."),
        validators=[Optional(), Length(max=600)], render_kw={"dir": "auto", "rows": 4})
    directory_contact = TextAreaField(
        _l("How peers can reach you (optional)"),
        description=_l("Shown in the directory. Stored encrypted. This is separate from how "
                       "we reach you."),
        validators=[Optional(), Length(max=300)], render_kw={"dir": "auto", "rows": 2})
