"""Every route, for every kind of user, including another organisation's object.

The test fails when a route exists that the matrix (tests/matrix.py) does not list, so a new
route cannot ship without someone deciding who may use it.
"""

from __future__ import annotations

import pytest

from tests.access import LOGIN, ROLES
from tests.matrix import MATRIX, client_as, route_url

CASES = [(endpoint, role) for endpoint in MATRIX for role in ROLES]


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "add these routes to the matrix"
    assert MATRIX.keys() - endpoints == set(), "these matrix entries have no route"


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_route_access(app, shared_world, endpoint, role):
    from tests.conftest import Auth

    world = shared_world
    method, args, expected = MATRIX[endpoint]
    client = client_as(app, Auth, world, role)
    response = client.open(route_url(app, world, endpoint, args), method=method)
    response.close()
    assert response.status_code == expected[role], (endpoint, role)
    if expected[role] == LOGIN and role == "anon" and endpoint not in _PUBLIC_REDIRECTS:
        assert response.headers["Location"].startswith("/auth/login")


# Public routes whose redirect for anonymous visitors goes somewhere other than log-in.
_PUBLIC_REDIRECTS = {"main.set_language", "auth.second_factor", "auth.logout"}


@pytest.mark.parametrize(("endpoint", "role"), [
    (e, r) for e in MATRIX for r in ROLES
    if MATRIX[e][0] == "GET" and e != "static"
])
def test_posting_to_a_page_is_refused_whenever_reading_it_is(app, shared_world, endpoint, role):
    """A form's POST must not open what its GET keeps closed."""
    from tests.conftest import Auth

    world = shared_world
    _method, args, expected = MATRIX[endpoint]
    client = client_as(app, Auth, world, role)
    url = route_url(app, world, endpoint, args)
    rule_methods = next(r.methods for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    if "POST" not in rule_methods:
        assert client.post(url).status_code == 405
        return
    status = client.post(url, data={}).status_code
    if expected[role] in (403, 404) or (expected[role] == LOGIN and role == "anon"):
        assert status == expected[role], (endpoint, role)
    else:
        assert status not in (403, 404, 500), (endpoint, role)
