"""Authorization-matrix entries for the payments routes (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
