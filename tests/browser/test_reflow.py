"""Every page fits a 320 px screen (WCAG 2.1, 1.4.10 Reflow), for every demo role.

For the visitor and each demo account, the test follows the links from the home page,
breadth first (GET only, same site, one page of each kind), at 320 px in English, Spanish
and Arabic, and checks on every page that the document is no wider than the screen and
that axe-core finds nothing serious or critical (each page once, in one of the three
languages in turn); then again in Spanish and Arabic with the browser's text size at 200%. A page
that needs a table keeps it inside its own scrolling box, which does not count: only the
page scrolling sideways does.

What each pass found (the widest page per language) goes to
test-output/browser/reflow-<role>.json for the record.
"""

from __future__ import annotations

import json
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.browser.conftest import OUTPUT, page_width, two_step_code

LANGUAGES = ("en", "es", "ar")
TEXT_200 = ("es", "ar")  # the longest words, and right to left
SCREEN = {"width": 320, "height": 640}
MAX_PAGES = 45  # a role's distinct pages; the largest (officer, admin) have about 35
# Followed by nobody: leaving, files and exports, the payment processor's redirects.
SKIP = re.compile(r"^/(exit|static/|language|healthz|readyz|metrics|stripe/)|/documents/|/file$|"
                  r"\.(csv|xlsx|json|pdf|docx|odt)$|/stripe/(refresh|return)$")
ROLES = ("visitor", "applicant", "ngo", "reviewer", "officer", "intermediary", "admin")
STAFF = {"reviewer", "officer", "intermediary", "admin"}


def _log_in(page, username: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if username in STAFF:
        page.get_by_label("Six-digit code").fill(two_step_code(username))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _kind(url: str) -> str:
    """Pages that differ only by ids, country or language codes or query values are one
    kind of page."""
    parts = urlsplit(url)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    path = re.sub(r"/(countries|text)/[^/]+$", r"/\1/*", re.sub(r"/\d+", "/#", parts.path))
    return path + "?" + "&".join(keys)


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urldefrag(href).url
        if url.startswith(origin + "/") and not SKIP.search(urlsplit(url).path):
            found.append(url)
    return found


def _open(page, url: str) -> bool:
    """Go to url; False when it is not an HTML page (a download, an error)."""
    try:
        response = page.goto(url)
    except PlaywrightError:  # a download starts instead of a page
        return False
    return (response is not None and response.ok
            and "text/html" in response.headers.get("content-type", ""))


# Reference codes (class "ref") that the page shows on more than one line.
BROKEN_CODES = """() => [...document.querySelectorAll('.ref')].filter(el => {
    const range = document.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
}).map(el => el.textContent)"""


class Pass:
    """One look at a role's pages in one language: the widest, and those too wide; at the
    usual text size, also every reference code split over two lines (at 200% a code wider
    than the screen may break: it still may not make the page scroll sideways)."""

    def __init__(self, label: str, codes_whole: bool = True):
        self.label, self.widest, self.wide, self.count = label, (0, ""), [], 0
        self.codes_whole = codes_whole

    def measure(self, page) -> None:
        width, screen = page_width(page)
        self.count += 1
        self.widest = max(self.widest, (width, page.url))
        if width > screen:
            self.wide.append(f"{self.label}: {page.url} is {width} px wide on a {screen} px screen")
        if self.codes_whole:
            for code in page.evaluate(BROKEN_CODES):
                self.wide.append(f"{self.label}: {page.url} breaks the code {code} over two lines")

    def record(self) -> dict:
        return {"widest": self.widest[0], "page": self.widest[1], "pages": self.count}


def _crawl(page, origin: str, check: Pass, axe) -> list[str]:
    """The role's pages, breadth first from home, one of each kind, MAX_PAGES at most;
    each measured on the way, and every third one checked by axe-core."""
    seen, pages, queue = {_kind(origin + "/")}, [], deque([origin + "/"])
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        if not _open(page, url):
            continue
        pages.append(page.url)
        check.measure(page)
        if len(pages) % len(LANGUAGES) == 1:
            axe.check(page)
        for link in _links(page, origin):
            if _kind(link) not in seen:
                seen.add(_kind(link))
                queue.append(link)
    return pages


def _revisit(page, pages: list[str], check: Pass, axe=None, turn: int = 0) -> None:
    """Measure each page again; axe-core looks at every third one, from `turn` on (each
    page is checked by axe once, in one of the three languages, to keep the test quick)."""
    for number, url in enumerate(pages):
        if _open(page, url):
            check.measure(page)
            if axe is not None and number % len(LANGUAGES) == turn:
                axe.check(page)


def _language(context, base_url: str, lang: str) -> None:
    # As the language chooser does: a cookie that wins over the browser's language.
    context.add_cookies([{"name": "lang", "value": lang, "url": base_url}])


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_320px_screen(role, new_context, base_url, axe):
    context = new_context(viewport=SCREEN)
    page = context.new_page()
    if role != "visitor":
        _log_in(page, role)
    passes = [Pass(LANGUAGES[0])]
    _language(context, base_url, LANGUAGES[0])
    pages = _crawl(page, base_url, passes[0], axe)
    assert len(pages) > 3, pages
    for turn, lang in enumerate(LANGUAGES[1:], start=1):
        _language(context, base_url, lang)
        passes.append(Pass(lang))
        _revisit(page, pages, passes[-1], axe, turn)
    # The browser's text size at 200% (Chrome's "Text scaling"): the default font size
    # doubles, so everything sized in rem and em grows with it.
    page.context.new_cdp_session(page).send(
        "Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    for lang in TEXT_200:
        _language(context, base_url, lang)
        passes.append(Pass(f"{lang} 200%", codes_whole=False))
        _revisit(page, pages, passes[-1])
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "32px"

    OUTPUT.mkdir(parents=True, exist_ok=True)
    found = {"passes": {p.label: p.record() for p in passes}, "pages": pages}
    (OUTPUT / f"reflow-{role}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    wide = [line for p in passes for line in p.wide]
    assert not wide and not axe.violations, "\n".join([*wide, axe.report()])
