"""Authorization-matrix entries for reporting (merged into the matrix test).

The portfolio is for officers and admins only; everyone else signed in is refused (403:
the page's existence is no secret), an anonymous visitor is sent to log in.
"""

from __future__ import annotations

from tests.access import only

ENTRIES: dict = {
    "reporting.index": ("GET", {}, only(("officer", "admin"))),
}
