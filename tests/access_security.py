"""Authorization-matrix entries for security (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
