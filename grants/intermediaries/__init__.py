"""The regranting workspace of intermediaries: pools, sub-grants, payments, upward reports."""


def blueprints() -> tuple:
    """The blueprint the factory registers, with all its routes: the route modules add to
    the one blueprint of grants/intermediaries/blueprint.py (views first, as they always were)."""
    from grants.intermediaries.blueprint import bp

    # The route modules in the order their routes were always added:
    # isort: off
    from grants.intermediaries import views  # noqa: F401
    from grants.intermediaries import call_views  # noqa: F401
    # isort: on

    return (bp,)
