"""Authorization-matrix entries for grants/applications/calls (merged into the matrix test)."""

from __future__ import annotations

ENTRIES: dict = {}
