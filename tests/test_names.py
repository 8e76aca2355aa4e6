"""Names cannot lie about their direction: every name field refuses direction controls.

A name is a short text that others read as the label of someone or something: a person, a
group or organisation (its name, legal name, registration number), a pseudonym or a code
standing for one, a fund, a call, a request or report, a consultation and its groups, a
partner or provider, a budget line, a security key. Such a field is a `NameField`. The
fields are read from the form classes, so a new form is covered without anyone listing it;
a field that looks like a name and is not a NameField fails below.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.fields.core import UnboundField

import grants
from grants.extensions import db
from grants.models import Application, Organisation
from grants.validators import BIDI_CONTROLS, NameField

MESSAGE = "This name had hidden characters that change the direction of text."

# Single-line fields that look like a name and are not one, and why.
NOT_NAMES = {
    "auth.forms.LoginForm.username": "typed to sign in, never shown (user names are ASCII)",
    "auth.forms.RecoverForm.username": "typed to sign in, never shown",
    "auth.forms.RecoverForm.code": "a recovery code, never shown",
    "auth.forms.TwoFactorForm.code": "a one-time code, never shown",
    "payments.forms.ScheduleForm.handed_over": "what is handed over, not who",
    "payments.forms.ScheduleForm.bic": "a bank's code, checked by schwifty and shown in <code>",
}
NAME_LIKE = re.compile(r"name|title|alias|pseudonym|code|partner|provider|holder|topic|label"
                       r"|description|registration|bank|group|organi[sz]ation|fund\b", re.I)


def _module_forms() -> list[type[Form]]:
    """Every form class the portal defines at module level (its own and the dynamic fields
    set on it), found by importing every module of the package."""
    for info in pkgutil.walk_packages(grants.__path__, "grants."):
        importlib.import_module(info.name)
    found, todo = [], list(Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = sys.modules.get(cls.__module__)
        if cls.__module__.startswith("grants.") and getattr(module, cls.__name__, None) is cls:
            found.append(cls)
    return found


def _text_fields() -> dict[str, UnboundField]:
    """'module.Form.field' -> the unbound single-line text field, for every form."""
    fields = {}
    for cls in _module_forms():
        for name in dir(cls):
            unbound = getattr(cls, name)
            if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, StringField):
                key = f"{cls.__module__.removeprefix('grants.')}.{cls.__name__}.{name}"
                fields[key] = unbound
    return fields


def _label(unbound: UnboundField) -> str:
    label = unbound.args[0] if unbound.args else unbound.kwargs.get("label")
    return str(label or "")  # in English: the test runs in a request without a language


def _name_fields() -> dict[str, UnboundField]:
    return {k: u for k, u in _text_fields().items() if issubclass(u.field_class, NameField)}


def test_every_field_that_looks_like_a_name_is_a_name_field(app):
    with app.test_request_context():
        fields = _text_fields()
        looks = {key for key, unbound in fields.items()
                 if unbound.field_class.__name__ not in ("PasswordField", "TextAreaField",
                                                         "EmailField", "HiddenField")
                 and NAME_LIKE.search(f"{key.rsplit('.', 1)[1]} {_label(unbound)}")}
    missing = sorted(k for k in looks - NOT_NAMES.keys()
                     if not issubclass(fields[k].field_class, NameField))
    assert missing == [], "make these NameFields (or say in NOT_NAMES why they are not names)"
    assert NOT_NAMES.keys() <= fields.keys(), "NOT_NAMES lists a field that no longer exists"
    # The classic cases are found, so the search itself is not broken.
    assert {"organisations.forms.OrganisationForm.name", "funds.forms.FundForm.name",
            "intermediaries.forms.SubGrantForm.recipient_code",
            "rapid.forms.RapidForm.defender_alias"} <= _name_fields().keys()


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_every_name_field_refuses_every_direction_control(app, control):
    typed = f"Night{control}Watch"
    with app.test_request_context():
        for key, unbound in _name_fields().items():
            form = type("One", (Form,), {"name": unbound})(MultiDict({"name": typed}))
            assert not form.validate(), key
            assert any(MESSAGE in str(e) for e in form.name.errors), (key, form.name.errors)
            assert form.name.data == "NightWatch", key  # given back without the control
            clean = type("One", (Form,), {"name": unbound})(MultiDict({"name": "ليلة Watch"}))
            assert clean.validate() or MESSAGE not in " ".join(map(str, clean.name.errors)), key


def _new_org(client, **data):
    base = {"name": "Night\u202eWatch", "kind": "unregistered_group", "country": "UG",
            "legal_name": "", "contact_details": "Ask for Ama at the market, Tuesdays"}
    return client.post("/orgs/new", data={**base, **data})


def test_an_organisation_name_with_a_right_to_left_override_is_refused(app, client, auth,
                                                                       world):
    auth.login(world.applicant)
    r = _new_org(client)
    page = r.data.decode()
    assert r.status_code == 200 and MESSAGE in page
    assert 'value="NightWatch"' in page and "Ask for Ama at the market" in page  # kept
    assert "\u202e" not in page
    with app.app_context():
        names = db.session.scalars(sa.select(Organisation.name)).all()  # encrypted: no LIKE
        assert not [n for n in names if n.startswith("Night")]
    assert _new_org(client, name="NightWatch").status_code == 302  # sent again, accepted


def test_a_budget_line_with_a_direction_control_is_refused_and_kept(app, client, auth, world):
    auth.login(world.applicant)
    data = {"rows-0-category": "programme", "rows-0-description": "Radio\u2067 shows",
            "rows-0-amount": "700", "rows-0-year": "1",
            "rows-1-category": "psychosocial", "rows-1-description": "Counselling",
            "rows-1-amount": "100", "rows-1-year": "1"}
    r = client.post(f"/applications/{world.application.id}/step/3", data=data)
    page = r.data.decode()
    assert r.status_code == 200 and MESSAGE in page
    assert 'value="Radio shows"' in page and 'value="Counselling"' in page
    with app.app_context():
        a = db.session.get(Application, world.application.id)
        assert all("\u2067" not in (line.description or "") for line in a.budget_lines)
