"""Ids and numbers beyond what the database holds, in paths, query strings and forms.

PostgreSQL's INTEGER stops at 2,147,483,647 and SQLite at 2**63 - 1: an id past either
reached a query and answered 500, some to anonymous visitors. The cases are derived from
the code: every rule of the url map with a number in its path, every query-string name a
view's module reads, every form field that carries an id; a new route, filter or select
of ids is covered without being listed here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict
from wtforms import Form, IntegerField, SelectField
from wtforms.fields.core import UnboundField

from tests.conftest_stripe import fake_stripe, stripe_on  # noqa: F401  (fixtures)
from tests.matrix import MATRIX
from tests.post_cases import ALL_CASES, case_id, plausible, set_up_case

BAD = ("2147483648", "99999999999999999999", "-1")
# In a form also a digit that is no number: "²".isdigit() is True, int("²") raises.
FORM_BAD = (*BAD, "\u00b2")
ROLES = ("anon", "officer", "admin")
NUMBER_ARG = re.compile(r"<(?:int|id)(?:\([^)]*\))?:(\w+)>")
GRANTS = Path(__file__).resolve().parent.parent / "grants"


def _number_args(app) -> dict[str, list[str]]:
    return {rule.endpoint: NUMBER_ARG.findall(rule.rule) for rule in app.url_map.iter_rules()
            if NUMBER_ARG.search(rule.rule)}


def _path_cases(app):
    cases = []
    for endpoint, names in sorted(_number_args(app).items()):
        for name in [*names, "*"]:
            cases += [(endpoint, name, bad) for bad in BAD]
    return cases


def _client(app, world, role):
    from tests.conftest import Auth

    client = app.test_client()
    if role != "anon":
        Auth(app, client).login(world.by_role(role))
    return client


def _status(client, url: str, method: str = "GET", **kwargs) -> int:
    """The answer's status; an exception the app let through (TESTING) counts as 500."""
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception:  # noqa: BLE001  (the test reports which URL, not the traceback)
        return 500
    response.close()
    return response.status_code


def _values(world, args: dict) -> dict:
    return {k: getattr(world, v).id if isinstance(v, str) and hasattr(world, v) else v
            for k, v in args.items()}


def test_the_cases_are_found(app):
    cases = _path_cases(app)
    assert len(cases) > 100
    assert any(e == "calls.show" for e, _n, _b in cases)
    assert any(e == "stripe.donate" for e, _n, _b in cases)


@pytest.mark.parametrize("role", ROLES)
def test_every_id_in_a_path_beyond_the_range_is_not_found(app, shared_world, role):
    """Each number of each path in turn (the others naming real objects), then all."""
    client = _client(app, shared_world, role)
    failures = []
    for endpoint, name, bad in _path_cases(app):
        method, args, _expected = MATRIX[endpoint]
        values = _values(shared_world, args)
        for arg in _number_args(app)[endpoint]:
            if name in (arg, "*"):
                values[arg] = int(bad)
        with app.test_request_context():
            url = url_for(endpoint, **values)
        status = _status(client, url, method)
        if status != 404:
            failures.append((url, method, status))
    assert failures == []


def _args_read(module_file: str) -> set[str]:
    """The query-string names a view module reads, directly or through a form."""
    source = Path(module_file).read_text()
    names = set(re.findall(r"args\.get\(\s*\"(\w+)\"", source))
    if "paginate(" in source:  # Flask-SQLAlchemy reads `page` itself
        names.add("page")
    for form_name in re.findall(r"(\w+)\(\s*request\.args", source):
        form = _form_class(form_name)
        if form is not None:
            names |= {k for k, v in vars(form).items() if isinstance(v, UnboundField)}
    return names


def _form_class(name: str):
    todo, seen = [Form], set()
    while todo:
        cls = todo.pop()
        if cls.__name__ == name:
            return cls
        seen.add(cls)
        todo += [c for c in cls.__subclasses__() if c not in seen]
    return None


def _filter_cases(app) -> list[tuple[str, str]]:
    cases = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        module = __import__(view.__module__, fromlist=["_"])
        cases += [(rule.endpoint, name) for name in sorted(_args_read(module.__file__))]
    return cases


def test_the_filters_are_found(app):
    cases = set(_filter_cases(app))
    for expected in [("applications.index", "call"), ("payments.index", "fund"),
                     ("review.queue", "call"), ("reporting.index", "fund"),
                     ("exports.index", "fund"), ("voice.consultations_index", "page"),
                     ("applications.index", "page")]:
        assert expected in cases


@pytest.mark.parametrize("role", ROLES)
def test_every_filter_beyond_the_range_is_ignored_or_refused(app, shared_world, role):
    client = _client(app, shared_world, role)
    failures = []
    for endpoint, name in _filter_cases(app):
        _method, args, _expected = MATRIX[endpoint]
        for bad in BAD:
            with app.test_request_context():
                url = url_for(endpoint, **_values(shared_world, args), **{name: bad})
            status = _status(client, url)
            if status >= 500:
                failures.append((url, status))
    assert failures == []


def _id_fields():
    """Every form's select of ids and whole-number field, by form class."""
    found = []
    todo = [Form]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        for name, field in vars(cls).items():
            if isinstance(field, UnboundField) and (
                    issubclass(field.field_class, IntegerField)
                    or (issubclass(field.field_class, SelectField)
                        and field.kwargs.get("coerce") is not None
                        and field.kwargs.get("coerce") is not str)):
                found.append((cls, name))
    return found


def _number_fields(fields: dict) -> list[str]:
    """The fields of a page's form that take a whole number: those a form class reads as
    one (a select of ids, a count), and those the page offers only whole numbers for."""
    declared = {name for _cls, name in _id_fields()}
    return sorted(name for name, values in fields.items() if name in declared or (
        any(isinstance(v, str) and v.isdigit() for v in values)
        and all(not isinstance(v, str) or v.isdigit() or v == "" for v in values)))


@pytest.mark.parametrize("fuzz_case", ALL_CASES, ids=case_id)
def test_every_number_field_of_every_form_beyond_the_range(request, app, shared_world,
                                                            _module_connection, fuzz_case):
    """The form as its page offers it, one number field at a time set past the range."""
    poster, url, fields = set_up_case(request, app, shared_world, _module_connection,
                                      request.getfixturevalue("form_index"), fuzz_case)
    base = {name: plausible(values) for name, values in fields.items()}
    failures = []
    for name in _number_fields(fields):
        for bad in FORM_BAD:
            try:
                status = poster.post(url, data=MultiDict(
                    [(k, v) for k, vs in {**base, name: [bad]}.items() for v in vs])).status_code
            except Exception:  # noqa: BLE001
                status = 500
            if status >= 500:
                failures.append((name, bad))
    assert failures == []


def test_an_invitation_to_a_call_past_the_range_is_refused(app, shared_world):
    """The invitation's call is a select whose choice is checked by the view, not the form."""
    client = _client(app, shared_world, "officer")
    url = f"/review/applications/{shared_world.rapid_request.id}"
    assert client.post(url + "/rapid", data={
        "decision": "approve", "amount": "1500", "currency": "USD",
        "route": "bank_transfer", "confirmed": "1", "far_ok": "y"}).status_code == 302
    for bad in BAD:
        response = client.post(url + "/invite", data={"call": bad, "message": "Apply"})
        assert response.status_code == 400, bad  # the form again, the field's message on it
        assert "Choose an open call from the list." in response.get_data(as_text=True)
