"""Authorization-matrix entries for grants/applications (merged into the matrix test)."""

from __future__ import annotations

from tests.access import everyone

ENTRIES: dict = {
    # Placeholder until the journey lands; replaced by the applications work.
    "applications.start": ("GET", {"call_id": "call"}, {**everyone(404), "anon": 302}),
}
