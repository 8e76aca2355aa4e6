"""Typing a marker into every free-text field of a page's form, read from the page itself.

`fill(client, page, action)` GETs the page, finds the form posting to `action`, and builds
its data the way a person would: every text input and textarea gets its own marker (unless
the field is not free text, see NOT_FREE_TEXT), every choice its checked or first option,
hidden fields their value. So a field added to a form is typed with a marker by default.
`form_classes()` lists every FlaskForm of the portal, to check each one is accounted for.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.fields import EmailField, HiddenField, PasswordField
from wtforms.fields.core import UnboundField

import grants

CANARY = "CANARY7Q"  # each field gets its own, to name the one that leaked

# Text inputs that hold something other than free text, each with what is typed instead and
# why. An amount is a number read into minor units; a date is a date.
NOT_FREE_TEXT: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"(^|[_-])amount(_\w+)?$"), "100", "a number, stored as minor units"),
    (re.compile(r"^amount_(min|max)$"), "100", "a number, stored as minor units"),
    (re.compile(r"(^|_)(paid_on|held_on|closes_on|start_date)$"), "2026-10-14", "a date"),
]


def marker(key: str) -> str:
    return f"{CANARY}-{key}"


class _Forms(HTMLParser):
    """action path -> [(tag or input type, name, value, checked/selected)] per <form>."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path, self.forms, self._action, self._select = page_path, {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._action = urlsplit(a.get("action") or self.page_path).path
            self.forms.setdefault(self._action, [])
        elif self._action is None:
            return
        elif tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self._select = a["name"] if tag == "select" else None
            self.forms[self._action].append(
                (kind, a["name"], a.get("value"), "checked" in a or "selected" in a))
        elif tag == "option" and self._select and a.get("value") is not None:
            self.forms[self._action].append(
                ("option", self._select, a["value"], "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None
        elif tag == "select":
            self._select = None


def _not_free_text(name: str) -> str | None:
    return next((value for pattern, value, _why in NOT_FREE_TEXT if pattern.search(name)),
                None)


def fill(client, page: str, action: str | None = None, *, key: str,
         fixed: dict | None = None) -> tuple[dict, set[str]]:
    """(data to post, markers typed) for the form of `page` that posts to `action`."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    parser = _Forms(urlsplit(page).path)
    parser.feed(response.get_data(as_text=True))
    target = action or urlsplit(page).path
    assert target in parser.forms, (page, target, list(parser.forms))
    fixed = fixed or {}
    data: dict = {}
    typed: set[str] = set()
    for kind, name, value, chosen in parser.forms[target]:
        if name in fixed or name == "csrf_token" or kind in ("file", "submit", "button"):
            continue
        if kind in ("text", "textarea", "search"):
            data[name] = _not_free_text(name) or marker(f"{key}-{name}")
            if data[name].startswith(CANARY):
                typed.add(name)
        elif kind in ("radio", "option"):
            if chosen or (name not in data and value):
                data[name] = value
        elif kind == "checkbox":
            if chosen:
                data[name] = value or "y"
        elif kind == "date":
            data[name] = value or _not_free_text(name) or "2026-10-14"
        elif kind in ("hidden", "number", "email") and value is not None:
            data[name] = value
    data.update({k: v for k, v in fixed.items() if v is not None})
    return data, {marker(f"{key}-{name}") for name in typed if name not in fixed}


def form_classes() -> dict[str, type[FlaskForm]]:
    """Every FlaskForm of the portal, by "module.Class" (module without "grants.")."""
    for info in pkgutil.walk_packages(grants.__path__, "grants."):
        if not info.name.startswith("grants.translations"):
            importlib.import_module(info.name)
    found, todo = {}, list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("grants."):
            found[f"{cls.__module__.removeprefix('grants.')}.{cls.__name__}"] = cls
    return found


def free_text_fields(cls: type[FlaskForm]) -> set[str]:
    """The form's StringField and TextAreaField names (not passwords, e-mails, hidden)."""
    names = set()
    for name in dir(cls):
        field = getattr(cls, name, None)
        if isinstance(field, UnboundField) and issubclass(
                field.field_class, StringField | TextAreaField) and not issubclass(
                field.field_class, PasswordField | HiddenField | EmailField):
            names.add(name)
    return names
