"""Authorization-matrix entries for voice (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
