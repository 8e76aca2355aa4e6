"""Shorthand for the authorization matrix: expected statuses per role."""

from __future__ import annotations

ROLES = ("anon", "applicant", "stranger", "reviewer", "officer", "intermediary", "admin")
LOGIN = 302  # an anonymous visitor is sent to log in


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, **overrides):
    return {"anon": LOGIN, **dict.fromkeys(ROLES[1:], status), **overrides}


def only(allowed: tuple[str, ...], ok=200, denied=403):
    return {r: (LOGIN if r == "anon" else ok if r in allowed else denied) for r in ROLES}


def own_scripts_only(page: str) -> bool:
    """Every <script> on the page is one of the portal's own static files, none inline."""
    import re

    tags = re.findall(r"<script\b[^>]*>", page)
    return all(re.search(r'\ssrc="/static/[\w.-]+\.js"', tag) for tag in tags)
