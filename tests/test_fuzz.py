"""Property-based fuzzing of every form and upload: whatever is posted, never a 500.

Each route that takes POST is fuzzed as a role that may use it (the authorization matrix
says which, and with which URL arguments on the shared world). Field names come from the
forms on the pages that role can read whose action is the route, plus random extra keys.
One client is signed in per test; each example runs in a savepoint rolled back after it
and starts from the same cookies, so examples are independent and cheap.
"""

from __future__ import annotations

import io
import os
import random
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from grants.extensions import db
from grants.security import ratelimit
from tests.access import ROLES
from tests.conftest import Auth
from tests.conftest_stripe import fake_stripe, stripe_on  # noqa: F401  (fixtures)
from tests.test_authorization_matrix import MATRIX, _client_as, _url

# 200 examples a form is the standard (`make fuzz`, about 4 minutes a database on this
# machine); the everyday suite and CI run FUZZ_EXAMPLES (25) so the whole run stays short.
EXAMPLES = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")), deadline=None,
                    database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Not fuzzed here: `static` takes no POST; the webhook has its own test below.
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


def _role_for(endpoint: str) -> str:
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


@pytest.fixture(scope="module")
def form_index(app, shared_world):
    """role -> action path -> fields, from every page of the matrix the role may read."""
    cache: dict[str, dict] = {}

    def index(role: str) -> dict:
        if role not in cache:
            client = _client_as(app, Auth, shared_world, role)
            found: dict = {}
            for endpoint, (method, args, expected) in MATRIX.items():
                if method != "GET" or endpoint == "static" or expected[role] != 200:
                    continue
                _read_forms(client, _url(app, shared_world, endpoint, args), found)
            for endpoint, args in _ALL_CASES:  # pages of their own: steps, open report
                _read_forms(client, _case_url(app, shared_world, endpoint, args), found)
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


# --- values ---------------------------------------------------------------------------

AWKWARD = ["", " ", "\t\n ", "0", "-1", "1e308", "NaN", "inf", "-0", "1.005", "٣٤٥",
           "99999999999999999999999", "2024-02-30", "0001-01-01", "9999-12-31", "31/12/2024",
           "\u202eالسلام\u202c", "שלום עולם", "\u200b", "\x00", "a\x00b", "\ufeff", "\ud7ff",
           "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "{{7*7}}",
           "\U0001f600" * 3, "true", "on", "none", "null",
           "x" * 100_001]
PLAIN = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=40),  # any code point but surrogates, control characters included
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    # Past every length limit (answers stop at 100,000 characters), yet cheap to post.
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(100, 2_000)),
)
# Half the values carry an awkward character inside otherwise plain text, so that it gets
# past "required", number and length checks to the service and the database. NUL weighs
# most: PostgreSQL cannot store it.
NASTY = st.sampled_from(["\x00"] * 4 + ["\x07", "\r\n", "\u202e", "\u200f", "\ufeff",
                                        "\u0301", "\U0001f469\u200d\U0001f4bb", "%", "'",
                                        "\\", "<", "&#0;"])
TEXT = st.one_of(
    st.builds(lambda a, c, b: a + c + b,
              st.one_of(st.sampled_from(["", "Fuzz", "12", "2025-01-01"]), PLAIN), NASTY,
              st.sampled_from(["", "text", "34"])),
    PLAIN,
)
FILENAMES = st.one_of(
    st.sampled_from(["report.pdf", "../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow",
                     "", ".", "..", "a" * 5000 + ".pdf", "x.pdf\x00.exe", "ملف.docx",
                     "con.odt", "\u202efdp.exe", " .pdf", "no-extension"]),
    st.text(max_size=300),
)
CONTENTS = st.one_of(
    st.binary(max_size=2048),
    st.just(b""),
    st.sampled_from([b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"PK\x03\x04" + b"\x00" * 26,
                     b"\x00" * 4096]),
)
UPLOAD = st.builds(lambda content, name: (io.BytesIO(content), name), CONTENTS, FILENAMES)


def _field_values(values: list, *, uploads: bool) -> st.SearchStrategy:
    if FILE in values:
        if not uploads:
            return st.lists(TEXT, max_size=2)
        # Files, or text where a file belongs (a script can post anything).
        return st.one_of(st.lists(UPLOAD, min_size=1, max_size=3), st.lists(TEXT, max_size=2))
    known = [v for v in values if v is not FILE]
    one = st.one_of(st.sampled_from(known), TEXT) if known else TEXT
    return st.lists(one, max_size=3)


def _plausible(values: list) -> list:
    """A value the page itself offers (the current one, an option), or some plain text."""
    known = [v for v in values if v is not FILE]
    return known[:1] if known else [] if FILE in values else ["Fuzz 12"]


def _form_data(fields: dict, *, uploads: bool = False) -> st.SearchStrategy:
    """Either some of the form's fields with any values, or the form as the page offers it
    with one or two fields changed (which gets past validation to the service), plus
    random extra keys."""
    per_field = {name: _field_values(values, uploads=uploads) for name, values in fields.items()}
    anything = st.fixed_dictionaries({}, optional=per_field)
    if fields:
        base = {name: _plausible(values) for name, values in fields.items()}
        changed = st.dictionaries(st.sampled_from(sorted(fields)), st.none(), min_size=1,
                                  max_size=2).flatmap(lambda names: st.fixed_dictionaries(
                                      {name: per_field[name] for name in names}))
        anything = st.one_of(anything, changed.map(lambda c: {**base, **c}))
    extra = st.dictionaries(st.one_of(st.text(max_size=20), st.sampled_from(
        ["csrf_token", "next", "go", "id", "user_id", "rows-0-amount", "rows-999-year",
         "q_1", "amount", "status"])), st.lists(TEXT, max_size=2), max_size=3)
    return st.builds(lambda known, more: MultiDict([(k, v) for k, vs in {**more, **known}.items()
                                                    for v in vs]), anything, extra)


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


def _poster(app, connection, world, role) -> Poster:
    return Poster(app, connection, _client_as(app, Auth, world, role))


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


def _case_url(app, world, endpoint: str, args: dict) -> str:
    with app.app_context():
        args = {k: v(world) if callable(v) else v for k, v in args.items()}
    return _url(app, world, endpoint, args)


def _cases(app_endpoints: list[str]) -> list:
    cases = [(e, ARGS.get(e, MATRIX[e][1])) for e in app_endpoints]
    return cases + STEPS


def _case_id(case) -> str:
    endpoint, args = case
    return endpoint + (f"-{args['number']}" if endpoint == "applications.step" else "")


def _matrix_post_endpoints() -> list[str]:
    """POST routes, read from the matrix's own route list (checked against the url map)."""
    from grants import create_app
    from grants.config import new_data_key

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 48, "DATA_KEYS": new_data_key("f"),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return _post_endpoints(app)


_ALL_CASES = _cases(_matrix_post_endpoints())


def test_every_post_route_is_fuzzed(app):
    fuzzed = {endpoint for endpoint, _args in _ALL_CASES} | SEPARATE
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert posts - fuzzed == set()


def _setup(request, app, world, connection, form_index, case):
    endpoint, args = case
    if endpoint in STRIPE_ON:
        request.getfixturevalue("stripe_on")
    role = _role_for(endpoint)
    url = _case_url(app, world, endpoint, args)
    fields = FIELDS.get(endpoint) or form_index(role).get(urlsplit(url).path, {})
    return _poster(app, connection, world, role), url, fields


@pytest.mark.parametrize("fuzz_case", _ALL_CASES, ids=_case_id)
def test_fuzz_form(request, app, shared_world, _module_connection, form_index, fuzz_case):
    poster, url, fields = _setup(request, app, shared_world, _module_connection, form_index,
                                 fuzz_case)

    @EXAMPLES
    @given(data=_form_data(fields))
    def run(data):
        response = poster.post(url, data=data)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]

    run()


def _upload_cases(app, world, form_index) -> list:
    return [case for case in _ALL_CASES if any(
        FILE in values for values in form_index(_role_for(case[0])).get(
            urlsplit(_case_url(app, world, *case)).path, {}).values())]


UPLOAD_CASES = [("applications.step", {"application_id": "application", "number": 2}),
                ("awards.send_report", ARGS["awards.send_report"])]


def test_the_upload_cases_are_every_form_with_a_file_field(app, shared_world, form_index):
    found = _upload_cases(app, shared_world, form_index)
    assert sorted(map(_case_id, found)) == sorted(map(_case_id, UPLOAD_CASES))


@pytest.mark.parametrize("fuzz_case", UPLOAD_CASES, ids=_case_id)
def test_fuzz_upload(request, app, shared_world, _module_connection, form_index, fuzz_case):
    poster, url, fields = _setup(request, app, shared_world, _module_connection, form_index,
                                 fuzz_case)

    @EXAMPLES
    @given(data=_form_data(fields, uploads=True))
    def run(data):
        response = poster.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code < 500

    run()


HEADERS = st.dictionaries(
    st.sampled_from(["Stripe-Signature", "Content-Type", "X-Forwarded-For", "User-Agent",
                     "Content-Encoding"]),
    st.one_of(TEXT.filter(lambda v: v.isprintable() and v.isascii()),
              st.builds(lambda t, v: f"t={t},v1={v}", st.integers(), st.text("0123456789abcdef",
                                                                             max_size=64))),
    max_size=3)


@pytest.mark.parametrize("configured", [False, True], ids=["stripe off", "stripe on"])
def test_fuzz_stripe_webhook(request, app, shared_world, _module_connection, configured):
    """Whatever arrives without Stripe's signature is refused (400), or 404 with Stripe off."""
    if configured:
        request.getfixturevalue("stripe_on")
    poster = _poster(app, _module_connection, shared_world, "anon")
    url = _url(app, shared_world, "stripe.webhook", {})

    @EXAMPLES
    @given(body=st.one_of(st.binary(max_size=4096), st.text(max_size=200).map(str.encode),
                          st.just(b'{"id": "evt_1", "type": "payment_intent.succeeded"}')),
           headers=HEADERS)
    def run(body, headers):
        response = poster.post(url, data=body, headers=headers)
        assert response.status_code == (400 if configured else 404)

    run()
