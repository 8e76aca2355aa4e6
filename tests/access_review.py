"""Authorization-matrix entries for grants/review (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
