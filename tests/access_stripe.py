"""Authorization-matrix entries for the stripe routes (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
