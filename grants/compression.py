"""gzip for text responses when the client accepts it (pages, CSS, JS, SVG, JSON).

Cheap phones on slow links pay for every byte; the portal's pages shrink to about a third.
Behind a proxy that compresses already (nginx `gzip on`), set COMPRESS_RESPONSES=0.
Streamed downloads (exports) are left alone; CSRF tokens are masked per response first
(grants/security/breach.py), so compression does not expose them.
"""

from __future__ import annotations

import gzip

from flask import Response, current_app, request

TYPES = frozenset({"text/html", "text/css", "text/plain", "text/csv", "application/javascript",
                   "text/javascript", "application/json", "image/svg+xml"})
MIN_BYTES = 500
LEVEL = 6


def compress(response: Response) -> Response:
    if not current_app.config.get("COMPRESS_RESPONSES", True):
        return response
    response.vary.add("Accept-Encoding")
    if response.direct_passthrough and request.endpoint == "static" \
            and response.status_code == 200 and response.mimetype in TYPES:
        wrapped = response.response  # small files: read them to compress them
        try:
            data = b"".join(wrapped)
        finally:
            getattr(wrapped, "close", lambda: None)()
        response.direct_passthrough = False
        response.set_data(data)
    if (response.direct_passthrough or response.is_streamed
            or response.mimetype not in TYPES or "Content-Encoding" in response.headers
            or response.status_code < 200 or response.status_code in (204, 206, 304)
            or "gzip" not in request.accept_encodings or request.method == "HEAD"):
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
