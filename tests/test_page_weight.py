"""The page-weight budget for slow links: the public call list, every page of the apply
form and the applicant's home each under 20 KB of HTML + CSS, gzipped as served, in every
interface language (Russian, Arabic and Farsi take two bytes a letter)."""

from __future__ import annotations

import pytest

from grants.extensions import db
from grants.models import Call, CallText, Fund
from tests import factories

BUDGET = 20 * 1024
LANGUAGES = ["en", "es", "fr", "pt", "ru", "ar", "fa"]
GZIP = {"Accept-Encoding": "gzip"}


def _served_bytes(client, url: str) -> int:
    r = client.get(url, headers=GZIP)
    assert r.status_code == 200, url
    assert r.headers.get("Content-Encoding") == "gzip", url
    return len(r.data)


@pytest.fixture
def css_bytes(client) -> int:
    return _served_bytes(client, "/static/site.css")


def _pages(world) -> dict[str, str]:
    a = world.application
    steps = {f"apply step {n}": f"/applications/{a.id}/step/{n}" for n in range(1, 6)}
    return {"start": f"/applications/new/{world.call.id}", **steps, "home": "/",
            "applications": "/applications/"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_stay_under_the_budget_in_every_language(app, client, auth, world, lang,
                                                        css_bytes):
    # The call has a text in each language, as long as a real one, among many calls.
    with app.app_context():
        call = db.session.get(Call, world.call.id)
        call.texts.extend(CallText(language=code, title="T" * 80, description="D " * 400)
                          for code in LANGUAGES if code != "en")
        call.languages = LANGUAGES
        fund = db.session.get(Fund, world.fund.id)
        for _ in range(12):
            factories.call(fund)
        db.session.commit()
    client.set_cookie("lang", lang)
    weights = {"calls": _served_bytes(client, "/calls/") + css_bytes}
    auth.login(world.applicant)
    for name, url in _pages(world).items():
        weights[name] = _served_bytes(client, url) + css_bytes
    over = {k: v for k, v in weights.items() if v > BUDGET}
    assert over == {}, f"over {BUDGET} bytes in {lang}: {over}"
