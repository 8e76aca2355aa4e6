"""grants/menu.py keeps each menu's HTML per worker (house style 16): a kept menu is the one
a fresh build writes, for a visitor, an applicant and an officer in two languages, and
keeping it runs the same statements."""

from __future__ import annotations

import re

import pytest

from tests.conftest import count_queries


def _menu(client) -> str:
    page = client.get("/calls/").data.decode()
    menu = page[page.index("<nav"):page.index("</nav>")]
    return re.sub(r'name="csrf_token" value="[^"]*"', "", menu)  # the log-out form's token


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("role", [None, "applicant", "officer"])
def test_a_kept_menu_is_the_one_a_fresh_build_writes(app, client, auth, world, role, lang):
    if role:
        auth.login(getattr(world, role))
    client.set_cookie("lang", lang)
    app.extensions.pop("grants.menu", None)
    with count_queries(app) as fresh_statements:
        fresh = _menu(client)
    with count_queries(app) as kept_statements:
        kept = _menu(client)
    assert app.extensions["grants.menu"]  # the second came from the kept HTML
    assert kept == fresh
    assert len(kept_statements) == len(fresh_statements)
