"""The authorization matrix: every route, with its method, url arguments and the status
each kind of user gets (tests/access_*.py hold the entries of each feature).

Shared by the matrix test and the tests that walk every route (downloads, fuzz, ids,
names shown, reading).
"""

from __future__ import annotations

from flask import url_for

from tests import (
    access_applications,
    access_awards,
    access_calls,
    access_exports,
    access_intermediaries,
    access_payments,
    access_rapid,
    access_reporting,
    access_review,
    access_security,
    access_stripe,
    access_voice,
)
from tests.access import LOGIN, everyone, only, signed_in

# endpoint -> (method, url arguments, expected status per role).
# `applicant` owns world.org; `stranger` owns another organisation. A string argument
# names an object of the test world (tests/factories.py World): its id is used.
CORE = {
    "static": ("GET", {"filename": "site.css"}, everyone(200)),
    "main.home": ("GET", {}, everyone(200)),
    # The probes and the scrape: public (a test client comes from 127.0.0.1, this host).
    "ops.healthz": ("GET", {}, everyone(200)),
    "ops.readyz": ("GET", {}, everyone(200)),
    "ops.metrics": ("GET", {}, everyone(200)),
    "main.quick_exit": ("GET", {}, everyone(303)),
    "main.safety": ("GET", {}, everyone(200)),
    "main.set_language": ("POST", {}, everyone(302)),
    "auth.login": ("GET", {}, {**everyone(302), "anon": 200}),
    "auth.register": ("GET", {}, {**everyone(302), "anon": 200}),
    "auth.recover": ("GET", {}, everyone(200)),
    "auth.second_factor": ("GET", {}, everyone(302)),
    "auth.logout": ("POST", {}, everyone(302)),
    "account.overview": ("GET", {}, signed_in(200)),
    "account.password": ("GET", {}, signed_in(200)),
    "account.two_factor": ("GET", {}, signed_in(200)),
    "account.disable_two_factor": ("POST", {}, signed_in(302)),
    "account.end_other_sessions": ("POST", {}, signed_in(302)),
    # An empty form is shown again (200); staff accounts are closed by an admin.
    "account.delete": ("GET", {}, {**only(("applicant", "stranger"))}),
    "organisations.index": ("GET", {}, signed_in(200)),
    "organisations.create": ("GET", {}, only(("applicant", "stranger", "admin"))),
    "organisations.show": ("GET", {"org_id": "org"}, {
        "anon": LOGIN, "applicant": 200, "stranger": 404, "reviewer": 404, "officer": 200,
        "intermediary": 404, "admin": 200}),
    "organisations.edit": ("GET", {"org_id": "org"}, {
        "anon": LOGIN, "applicant": 200, "stranger": 404, "reviewer": 404, "officer": 403,
        "intermediary": 404, "admin": 403}),
    "organisations.verify": ("POST", {"org_id": "org"}, {
        "anon": LOGIN, "applicant": 403, "stranger": 404, "reviewer": 404, "officer": 302,
        "intermediary": 404, "admin": 302}),
    "funds.index": ("GET", {}, only(("officer", "admin"))),
    "funds.create": ("GET", {}, only(("admin",))),
    "funds.edit": ("GET", {"fund_id": "fund"}, only(("admin",))),
    "admin.users": ("GET", {}, only(("admin",))),
    "admin.new_user": ("GET", {}, only(("admin",))),
    "admin.user": ("GET", {"user_id": "target"}, only(("admin",))),
    "admin.reset_two_factor": ("POST", {"user_id": "target"}, only(("admin",), ok=302)),
    "admin.end_sessions": ("POST", {"user_id": "target"}, only(("admin",), ok=302)),
    "admin.audit_log": ("GET", {}, only(("admin",))),
    "admin.jobs": ("GET", {}, only(("admin",))),
    "admin.retry_job": ("POST", {"item_id": "failed_job"}, only(("admin",), ok=302)),
    "admin.discard_job": ("POST", {"item_id": "failed_job"}, only(("admin",), ok=302)),
    # The group and officers write on a sent application; others never learn it exists.
    "messages.post_to_application": ("POST", {"application_id": "submitted"}, {
        "anon": LOGIN, "applicant": 302, "stranger": 404, "reviewer": 404, "officer": 302,
        "intermediary": 404, "admin": 404}),
}

MATRIX = {**CORE, **access_calls.ENTRIES, **access_applications.ENTRIES,
          **access_review.ENTRIES, **access_awards.ENTRIES, **access_payments.ENTRIES,
          **access_stripe.ENTRIES, **access_intermediaries.ENTRIES, **access_rapid.ENTRIES,
          **access_reporting.ENTRIES, **access_exports.ENTRIES, **access_voice.ENTRIES,
          **access_security.ENTRIES}


def route_url(app, world, endpoint, args):
    values = {k: getattr(world, v).id if isinstance(v, str) and hasattr(world, v) else v
              for k, v in args.items()}
    with app.test_request_context():
        return url_for(endpoint, **values)


def client_as(app, auth_factory, world, role):
    client = app.test_client()
    user = world.by_role(role)
    if user is not None:
        auth_factory(app, client).login(user)
    return client
