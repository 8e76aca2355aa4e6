"""Funds: budget envelopes in one currency that calls and awards draw on."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.funds import views

    return (views.bp,)
