"""In-portal message threads: officers and applicants talk here, never by e-mail."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.messages import views

    return (views.bp,)
