"""Home page, language choice, quick exit, safety advice."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.main import views

    return (views.bp,)
