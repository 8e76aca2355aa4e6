"""Organisations: registered NGOs, unregistered groups, individual defenders, intermediaries."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.organisations import views

    return (views.bp,)
