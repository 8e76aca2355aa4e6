"""Authorization-matrix entries for exports (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
