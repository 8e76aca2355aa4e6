"""A `next` target is followed only if it stays on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Return `target` if it is a local path, else `default`.

    Refuses absolute URLs, scheme-relative `//host`, backslashes (browsers read `/\\host`
    as `//host`) and control characters.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
