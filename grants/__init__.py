"""The grant-management portal. `create_app` is the only place the app is assembled."""

from __future__ import annotations

from flask import Flask

from grants.config import ROOT

__all__ = ["ROOT", "create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, security, blueprints, commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _configure(app, test_config)

    from grants import factory

    factory.register_ops(app)  # first: the request id and the clock start before any hook
    factory.register_extensions(app)
    factory.register_security(app)
    factory.register_converters(app)
    factory.register_blueprints(app)
    factory.register_errorhandlers(app)
    factory.register_templating(app)

    from grants import cli

    cli.register(app)
    factory.register_extras(app)  # the demo's and the bench's commands and routes
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    from grants import config

    app.config.from_mapping(config.defaults(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    config.finalize(app.config, app.instance_path)
