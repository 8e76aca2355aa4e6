"""Running the portal as a service: health and readiness, metrics, logs, backups and the
production check."""


def blueprints() -> tuple:
    """The probes' and the scrape's routes (the factory registers them)."""
    from grants.ops import views

    return (views.bp,)
