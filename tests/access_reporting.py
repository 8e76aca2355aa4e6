"""Authorization-matrix entries for reporting (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
