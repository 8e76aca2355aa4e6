"""CSRF tokens masked afresh in every response, so compressing pages cannot leak them.

With compression on, an observer of the encrypted traffic who can also make the victim's
browser load a page that reflects text of theirs can learn a secret on that page one
character at a time from the compressed length (BREACH). The one secret on nearly every
page is the CSRF token; like Django, each copy of it is sent as `m1.<mask>.<token XOR mask>`
with a new random mask, so no two responses carry the same bytes. A masked token sent back
(form field or header) is unmasked before Flask-WTF checks it; an unmasked one still works.
"""

from __future__ import annotations

import base64
import secrets

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import ImmutableMultiDict

PREFIX = "m1."
HEADERS = ("X-CSRFToken", "X-CSRF-Token")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def mask(token: str) -> str:
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return PREFIX + _b64(pad) + "." + _b64(bytes(a ^ b for a, b in zip(raw, pad, strict=True)))


def unmask(value: str) -> str:
    """The token inside a masked value; anything else comes back unchanged (and fails
    Flask-WTF's own check if it is not a valid token)."""
    if not value.startswith(PREFIX):
        return value
    try:
        pad_text, data_text = value[len(PREFIX):].split(".", 1)
        pad, data = _unb64(pad_text), _unb64(data_text)
        if not pad or len(pad) != len(data):
            return value
        return bytes(a ^ b for a, b in zip(data, pad, strict=True)).decode()
    except (ValueError, UnicodeDecodeError):
        return value


def _field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _is_token_field(name: str | None, field: str) -> bool:
    # Forms with a prefix (several forms on one page) send `<prefix>-csrf_token`; a
    # multipart part may come without a name at all.
    return bool(name) and (name == field or name.endswith("-" + field))


def _unmask_request() -> None:
    field = _field()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if any(_is_token_field(k, field) and v.startswith(PREFIX)
               for k, values in request.form.lists() for v in values):
            items = [(k, unmask(v) if _is_token_field(k, field) else v)
                     for k, values in request.form.lists() for v in values]
            request.form = ImmutableMultiDict(items)  # werkzeug caches it per request
        for name in HEADERS:
            value = request.headers.get(name, "")
            if value.startswith(PREFIX):
                request.environ["HTTP_" + name.upper().replace("-", "_")] = unmask(value)
                request.__dict__.pop("headers", None)


def mask_response(response: Response) -> Response:
    """Replace every copy of this request's CSRF token in an HTML page by a masked one."""
    token = g.get(_field())
    if not token or response.direct_passthrough or response.is_streamed \
            or response.mimetype != "text/html":
        return response
    body = response.get_data(as_text=True)
    if token in body:
        parts = body.split(token)
        response.set_data(parts[0] + "".join(mask(token) + p for p in parts[1:]))
    return response


def init_app(app: Flask) -> None:
    """Register before CSRFProtect, so tokens are unmasked before they are checked."""
    app.before_request(_unmask_request)
