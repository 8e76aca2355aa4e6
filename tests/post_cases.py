"""Every route that takes POST as a case to post to: its url arguments on the shared world,
a role that may use it, the fields of its form as the role's pages offer them, and a client
signed in as that role whose posts are rolled back.

Shared by the fuzzing of every form (tests/test_fuzz.py) and the ids past the database's
range (tests/test_ids_range.py).
"""

from __future__ import annotations

import random
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa

from grants.extensions import db
from grants.security import ratelimit
from tests.access import ROLES
from tests.conftest import Auth
from tests.matrix import MATRIX, client_as, route_url

# Not fuzzed here: `static` takes no POST; the webhook has its own test (tests/test_fuzz.py).
SEPARATE = {"static", "stripe.webhook"}
# Every step of an application is its own form; the matrix opens the first.
STEPS = [("applications.step", {"application_id": "application", "number": n})
         for n in range(2, 6)]


def _post_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules()
                   if "POST" in r.methods and r.endpoint not in SEPARATE})


# Routes that answer 404 while Stripe is off (as in the matrix): fuzzed with it on, as the
# role that may then use them. Starting a payment is called by donate.js, not a <form>.
STRIPE_ON = {"stripe.create_intent": "anon", "stripe.onboard": "applicant"}
# Where the matrix lets nobody through with its arguments (a document or question that does
# not exist, a request already invited), the role that passes the checks before that.
ROLE = {**STRIPE_ON, "applications.delete_document": "applicant",
        "calls.delete_question": "officer", "calls.move_question": "officer",
        "rapid.invite": "officer", "security_keys.remove": "officer"}
# Forms not on a page: donate.js posts the amount; the language menu is in the layout.
FIELDS = {"stripe.create_intent": {"amount": ["10", "10.00", "0.5"]},
          "main.set_language": {"lang": ["en", "es", "fr", "ar"], "next": ["/", "//evil"]}}


def role_for(endpoint: str) -> str:
    """A role the matrix lets through: one shown the page (200), else one sent on (302)."""
    if endpoint in ROLE:
        return ROLE[endpoint]
    expected = MATRIX[endpoint][2]
    for ok, signed_in in ((200, False), (302, True), (302, False)):
        for role in ROLES:
            if expected[role] == ok and (role != "anon" or not signed_in):
                return role
    raise AssertionError(f"no role may use {endpoint}: fuzz it with its feature turned on")


# --- field names, read from the forms the role is shown --------------------------------

class _Forms(HTMLParser):
    """action -> {field name: [option values]} for every <form> on a page."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path, self.forms, self._action = page_path, {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._action = urlsplit(a.get("action") or self.page_path).path
            self.forms.setdefault(self._action, {})
        elif tag in ("input", "select", "textarea", "button") and a.get("name"):
            fields = self.forms.setdefault(self._action or self.page_path, {})
            values = fields.setdefault(a["name"], [])
            if a.get("type") == "file":
                values.append(FILE)
            elif a.get("value") is not None:
                values.append(a["value"])
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and getattr(self, "_select", None) and a.get("value") is not None:
            self.forms[self._action or self.page_path][self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None


FILE = object()  # marks an upload field


def index_forms(app, world):
    """role -> action path -> fields, from every page of the matrix the role may read (the
    `form_index` fixture of tests/conftest.py)."""
    cache: dict[str, dict] = {}

    def index(role: str) -> dict:
        if role not in cache:
            client = client_as(app, Auth, world, role)
            found: dict = {}
            for endpoint, (method, args, expected) in MATRIX.items():
                if method != "GET" or endpoint == "static" or expected[role] != 200:
                    continue
                _read_forms(client, route_url(app, world, endpoint, args), found)
            for endpoint, args in ALL_CASES:  # pages of their own: steps, open report
                _read_forms(client, case_url(app, world, endpoint, args), found)
            cache[role] = found
        return cache[role]

    return index


def _read_forms(client, url: str, found: dict) -> None:
    response = client.get(url)
    if response.status_code == 200 and response.mimetype == "text/html":
        parser = _Forms(urlsplit(url).path)
        parser.feed(response.get_data(as_text=True))
        for action, fields in parser.forms.items():
            for name, values in fields.items():
                found.setdefault(action, {}).setdefault(name, []).extend(values)
    response.close()


def plausible(values: list) -> list:
    """A value the page itself offers (the current one, an option), or some plain text."""
    known = [v for v in values if v is not FILE]
    return known[:1] if known else [] if FILE in values else ["Fuzz 12"]


# --- running one example --------------------------------------------------------------

class Poster:
    """One signed-in client; each post starts from the same cookies and is rolled back."""

    def __init__(self, app, connection, client):
        self.app, self.connection, self.client = app, connection, client
        self.cookies = dict(client._cookies)

    def post(self, url: str, **kwargs):
        self.client._cookies.clear()
        self.client._cookies.update(self.cookies)
        ratelimit.reset()
        # Hypothesis seeds `random` alike for every example; the fake Stripe in this process
        # draws its object ids from it, and would hand out the same id twice.
        random.seed()
        savepoint = self.connection.begin_nested()
        try:
            response = self.client.post(url, **kwargs)
            response.get_data()  # read before closing, for the assertion's message
            response.close()
            return response
        finally:
            with self.app.app_context():
                db.session.remove()
            savepoint.rollback()


def poster_for(app, connection, world, role) -> Poster:
    return Poster(app, connection, client_as(app, Auth, world, role))


def _open_requirement(world) -> int:
    """A report requirement of world.award with no report yet: its form has the upload."""
    from grants.models import ReportRequirement

    return db.session.scalar(sa.select(ReportRequirement.id).where(
        ReportRequirement.award_id == world.award.id,
        ReportRequirement.id != world.requirement.id).order_by(ReportRequirement.id))


def _draft_question(world) -> int:
    """A question of the draft call, which officers may still remove or move."""
    from grants.models import CallQuestion

    return db.session.scalar(sa.select(CallQuestion.id).where(
        CallQuestion.call_id == world.draft_call.id).order_by(CallQuestion.id))


# world.requirement already has its report: the form is for one that has none. The matrix
# asks about questions that do not exist; here they are real ones.
QUESTION = {"call_id": "draft_call", "qid": _draft_question}
ARGS = {"awards.send_report": {"award_id": "award", "requirement_id": _open_requirement},
        "calls.delete_question": QUESTION, "calls.move_question": QUESTION}


def case_url(app, world, endpoint: str, args: dict) -> str:
    with app.app_context():
        args = {k: v(world) if callable(v) else v for k, v in args.items()}
    return route_url(app, world, endpoint, args)


def _cases(app_endpoints: list[str]) -> list:
    cases = [(e, ARGS.get(e, MATRIX[e][1])) for e in app_endpoints]
    return cases + STEPS


def case_id(case) -> str:
    endpoint, args = case
    return endpoint + (f"-{args['number']}" if endpoint == "applications.step" else "")


def _matrix_post_endpoints() -> list[str]:
    """POST routes, read from the matrix's own route list (checked against the url map)."""
    from grants import create_app
    from grants.config import new_data_key

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 48, "DATA_KEYS": new_data_key("f"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return _post_endpoints(app)


ALL_CASES = _cases(_matrix_post_endpoints())


def set_up_case(request, app, world, connection, form_index, case):
    endpoint, args = case
    if endpoint in STRIPE_ON:
        request.getfixturevalue("stripe_on")
    role = role_for(endpoint)
    url = case_url(app, world, endpoint, args)
    fields = FIELDS.get(endpoint) or form_index(role).get(urlsplit(url).path, {})
    return poster_for(app, connection, world, role), url, fields
