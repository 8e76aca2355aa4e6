"""Authorization-matrix entries for grants/applications (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
