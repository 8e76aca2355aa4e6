"""Administration: users and roles, the audit trail."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.admin import jobs_views, views  # noqa: F401  (jobs_views adds its routes)

    return (views.bp,)
