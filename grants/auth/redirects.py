"""The way back: where a detour (log in, register, add your group, two-step set-up, a
session that expired) returns a person, followed only if it stays on this site.

A `next` is a path on this site (and at most the claim token of kept form fields); it is
made from the address the person asked for, never from what they typed into a form.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import current_app, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from grants.rescue import PARAM as RESCUE_PARAM

# What a `next` may carry besides its path: the claim token of kept form fields, a random
# token that holds nothing typed.
KEPT_PARAMS = (RESCUE_PARAM,)


def is_safe(target: str | None) -> bool:
    """Is `target` a path on this site? Refuses absolute and scheme-relative URLs (`//host`),
    backslashes (browsers read `/\\host` as `//host`), control characters (a browser drops
    tabs and line breaks: `/\\t/host` is `//host`; CR/LF would split a header) and
    anything beyond printable ASCII (which url_for never makes)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(not 32 < ord(ch) < 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def safe_next(target: str | None, default: str) -> str:
    """Return `target` if it is a path on this site, else `default`."""
    return target if is_safe(target) else default


def can_get(path: str) -> bool:
    """Does this site answer a GET at `path` (after logging in, the way back is a GET)?"""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(urlsplit(path).path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def here() -> str | None:
    """The page being asked for, as a way back to it: its path (and a kept-fields token);
    None when it cannot be asked for again with a GET (a POST-only action)."""
    if not can_get(request.path):
        return None
    kept = [(k, request.args[k]) for k in KEPT_PARAMS if k in request.args]
    target = request.path + (f"?{urlencode(kept)}" if kept else "")
    return target if is_safe(target) else None


def next_arg() -> str | None:
    """The way back this request carries (`next` in the query or the form), if safe."""
    target = request.values.get("next")
    return target if is_safe(target) else None


WAY_BACK = "way_back"


def way_back() -> str | None:
    """The way back of a log-in, registration or recovery page: the request's own, else the
    one an earlier of these pages was given, so that the menu's plain "Log in" and
    "Register" links keep it too. Kept in the session (a path, nothing typed) until a log-in
    or registration starts a fresh session."""
    target = next_arg()
    if target:
        session[WAY_BACK] = target
        return target
    kept = session.get(WAY_BACK)
    return kept if is_safe(kept) else None
