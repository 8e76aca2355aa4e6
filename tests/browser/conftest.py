"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright for Python,
against the portal served by a real HTTP server on 127.0.0.1 (its own SQLite database,
migrated and loaded with the demo data, CSRF on, as a newcomer's `make run`).

Skipped where /usr/bin/chromium is missing; `.ci/run` installs it (`make browser-deps`).
Playwright never downloads a browser here: `executable_path` points at Debian's.
Screenshots of each journey's last page go to test-output/browser/.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from grants import ROOT, create_app
from grants.config import new_data_key

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output" / "browser"
# Flags for a sandbox without a display or outside network (see the machine notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM} (make browser-deps installs it)"
    elif os.environ.get("TEST_DATABASE_URL"):
        missing = "browser tests run once, on the SQLite leg"
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(autouse=True)
def _transaction():
    """The browser talks to a server with its own database: no per-test savepoint here."""
    yield


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from flask_migrate import upgrade

    from demo.data import load_demo

    folder = tmp_path_factory.mktemp("browser")
    app = create_app({
        "SECRET_KEY": "browser-test-secret-key-that-is-long-enough-0987654321",
        "DATA_KEYS": new_data_key("b1"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'portal.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        "JOBS_BROKER_URL": f"sqlite:///{folder / 'jobs.sqlite3'}",  # no worker: rows wait
        "SESSION_COOKIE_SECURE": False,  # plain http on 127.0.0.1
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1,
    })
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo()
        _seed()
    _LIVE["app"] = app
    return app


_LIVE: dict = {}


def two_step_code(username: str) -> str:
    """A demo staff account's six-digit code that the server will take now. A code is
    accepted once only, and journeys log the same accounts in within seconds of each other:
    this one is for the current 30-second step if no log-in used it yet, else for the next
    one (the server accepts one step of drift), else it waits for a fresh step."""
    import time
    from datetime import UTC, datetime

    import pyotp
    import sqlalchemy as sa

    from demo.data import demo_totp_secret
    from grants.extensions import db
    from grants.models import User

    with _LIVE["app"].app_context():
        used = db.session.scalar(sa.select(User.totp_last_step)
                                 .where(User.username == username)) or 0
    totp = pyotp.TOTP(demo_totp_secret(username))
    while True:
        now = time.time()
        for moment in (now, now + totp.interval):
            if totp.timecode(datetime.fromtimestamp(moment, UTC)) > used:
                return totp.at(moment)
        time.sleep(totp.interval - now % totp.interval + 0.1)


CORE_CODE = "GR-CORE-BRWS"


def _seed() -> None:
    """What the journeys need beyond the demo: a sent application to the core-support call
    (up to three years) from Voices for Land, for the officer to approve over two years."""
    import sqlalchemy as sa

    from grants.extensions import db
    from grants.models import ApplicationStatus, Call, CallType, Organisation, User
    from tests import factories

    core = db.session.scalar(sa.select(Call).where(Call.call_type == CallType.CORE_SUPPORT))
    voices = next(o for o in db.session.scalars(sa.select(Organisation))
                  if o.name == "Voices for Land")  # names are encrypted: found in Python
    ngo = db.session.scalar(sa.select(User).where(User.username == "ngo"))
    factories.application(core, voices, by=ngo, status=ApplicationStatus.SUBMITTED,
                          code_name=CORE_CODE, title="Land defenders' network, three years",
                          amount_requested_minor=4_000_000)
    db.session.commit()


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(chromium, base_url):
    contexts = []

    def make(**options):
        options.setdefault("locale", "en-GB")
        # A cheap phone's screen.
        options.setdefault("viewport", {"width": 360, "height": 740})
        context = chromium.new_context(base_url=base_url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def take(page, name: str | None = None) -> Path:
        path = OUTPUT / f"{name or request.node.name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class Axe:
    """Runs axe-core on pages and gathers serious and critical violations."""

    IMPACTS = ("serious", "critical")

    def __init__(self):
        self.source = AXE.read_text(encoding="utf-8")
        self.checked: list[str] = []
        self.violations: list[dict] = []

    def check(self, page) -> list[dict]:
        # page.evaluate runs through the DevTools protocol, outside the page's CSP.
        page.evaluate(self.source)
        result = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})")
        found = [
            {"url": page.url, "id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in self.IMPACTS
        ]
        self.checked.append(page.url)
        self.violations.extend(found)
        return found

    def report(self) -> str:
        return json.dumps(self.violations, indent=1)


@pytest.fixture
def axe():
    if not AXE.exists():
        pytest.skip("axe-core missing: run `npm ci` (make browser-deps)")
    return Axe()


def page_width(page) -> tuple[int, int]:
    """(how wide the document is, how wide the screen is), in CSS pixels."""
    wide, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    return int(wide), int(screen)


def assert_fits(page) -> None:
    """The page does not scroll sideways (WCAG 2.1, 1.4.10 Reflow)."""
    wide, screen = page_width(page)
    assert wide <= screen, f"{page.url} is {wide} px wide on a {screen} px screen"
