"""Authorization-matrix entries for grants/awards (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
