"""The benchmark's side of the portal: `flask --app grants bench-data` (a realistic portfolio for
load tests, see datagen.py) and, only when app.config["BENCH"] is true, a bare route that
answers a fixed string, the baseline every page's throughput is compared with.

The bench never runs against real data: bench-data refuses a database holding accounts it
did not create, and the bench routes do not exist in a normal configuration.

Beside the bare route, two floors a page cannot go below, so that the bench shows what a
page costs and what the stack costs: a logged-in request that does nothing (the server-side
session), and an empty page in the portal's layout (session, menu, language chooser).

The portal imports nothing from here: `init_app` is the `grants.extras` entry point
(pyproject.toml) that the factory calls (grants/factory.py, `register_extras`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

from grants.web import public

bp = Blueprint("bench", __name__, url_prefix="/_bench", template_folder="templates")


@bp.route("/bare")
@public
def bare():
    """The cheapest answer the stack can give: no template, no query."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/session")
def session_only():
    """Logged in, nothing else: the server-side session's cost (login is required here)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/page")
def empty_page():
    """An empty page in the portal's layout, logged in: the floor under every page."""
    return render_template("bench/empty.html")


def init_app(app: Flask) -> None:
    """Add the bench-data command; the bench routes only in bench mode."""
    from bench.app.commands import bench_data_command

    app.cli.add_command(bench_data_command)
    if app.config.get("BENCH"):
        app.register_blueprint(bp)
