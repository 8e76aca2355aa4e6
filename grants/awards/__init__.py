"""Multi-year awards, tranches, amendments and the grantee's light reports."""


def blueprints() -> tuple:
    """The blueprint the factory registers, with all its routes: the route modules add to
    the one blueprint of grants/awards/blueprint.py (views first, as they always were)."""
    from grants.awards.blueprint import bp

    # The route modules in the order their routes were always added:
    # isort: off
    from grants.awards import views  # noqa: F401
    from grants.awards import report_views  # noqa: F401
    # isort: on

    return (bp,)
