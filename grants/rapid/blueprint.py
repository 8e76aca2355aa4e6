"""The rapid-response blueprint its route modules add to. No URL prefix: the defender's
request lives under /applications/rapid/ and the officer's pages under /review/, where
they always were."""

from flask import Blueprint

bp = Blueprint("rapid", __name__)
