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
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.conftest_stripe import fake_stripe, stripe_on  # noqa: F401  (fixtures)
from tests.matrix import route_url
from tests.post_cases import (
    ALL_CASES,
    ARGS,
    FILE,
    SEPARATE,
    case_id,
    case_url,
    plausible,
    poster_for,
    role_for,
    set_up_case,
)

# 200 examples a form is the standard (`make fuzz`, about 4 minutes a database on this
# machine); the everyday suite and CI run FUZZ_EXAMPLES (25) so the whole run stays short.
EXAMPLES = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")), deadline=None,
                    database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

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


def _form_data(fields: dict, *, uploads: bool = False) -> st.SearchStrategy:
    """Either some of the form's fields with any values, or the form as the page offers it
    with one or two fields changed (which gets past validation to the service), plus
    random extra keys."""
    per_field = {name: _field_values(values, uploads=uploads) for name, values in fields.items()}
    anything = st.fixed_dictionaries({}, optional=per_field)
    if fields:
        base = {name: plausible(values) for name, values in fields.items()}
        changed = st.dictionaries(st.sampled_from(sorted(fields)), st.none(), min_size=1,
                                  max_size=2).flatmap(lambda names: st.fixed_dictionaries(
                                      {name: per_field[name] for name in names}))
        anything = st.one_of(anything, changed.map(lambda c: {**base, **c}))
    extra = st.dictionaries(st.one_of(st.text(max_size=20), st.sampled_from(
        ["csrf_token", "next", "go", "id", "user_id", "rows-0-amount", "rows-999-year",
         "q_1", "amount", "status"])), st.lists(TEXT, max_size=2), max_size=3)
    return st.builds(lambda known, more: MultiDict([(k, v) for k, vs in {**more, **known}.items()
                                                    for v in vs]), anything, extra)


def test_every_post_route_is_fuzzed(app):
    fuzzed = {endpoint for endpoint, _args in ALL_CASES} | SEPARATE
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert posts - fuzzed == set()


@pytest.mark.parametrize("fuzz_case", ALL_CASES, ids=case_id)
def test_fuzz_form(request, app, shared_world, _module_connection, form_index, fuzz_case):
    poster, url, fields = set_up_case(request, app, shared_world, _module_connection,
                                      form_index, fuzz_case)

    @EXAMPLES
    @given(data=_form_data(fields))
    def run(data):
        response = poster.post(url, data=data)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]

    run()


def _upload_cases(app, world, form_index) -> list:
    return [case for case in ALL_CASES if any(
        FILE in values for values in form_index(role_for(case[0])).get(
            urlsplit(case_url(app, world, *case)).path, {}).values())]


UPLOAD_CASES = [("applications.step", {"application_id": "application", "number": 2}),
                ("awards.send_report", ARGS["awards.send_report"])]


def test_the_upload_cases_are_every_form_with_a_file_field(app, shared_world, form_index):
    found = _upload_cases(app, shared_world, form_index)
    assert sorted(map(case_id, found)) == sorted(map(case_id, UPLOAD_CASES))


@pytest.mark.parametrize("fuzz_case", UPLOAD_CASES, ids=case_id)
def test_fuzz_upload(request, app, shared_world, _module_connection, form_index, fuzz_case):
    poster, url, fields = set_up_case(request, app, shared_world, _module_connection,
                                      form_index, fuzz_case)

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
    poster = poster_for(app, _module_connection, shared_world, "anon")
    url = route_url(app, shared_world, "stripe.webhook", {})

    @EXAMPLES
    @given(body=st.one_of(st.binary(max_size=4096), st.text(max_size=200).map(str.encode),
                          st.just(b'{"id": "evt_1", "type": "payment_intent.succeeded"}')),
           headers=HEADERS)
    def run(body, headers):
        response = poster.post(url, data=body, headers=headers)
        assert response.status_code == (400 if configured else 404)

    run()
