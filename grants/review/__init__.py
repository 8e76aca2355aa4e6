"""Triage, reviewer assignment and conflicts, scoring, and decisions."""
