"""Triage, reviewer assignment and conflicts, scoring, and decisions."""


def blueprints() -> tuple:
    """The blueprint the factory registers, with all its routes: the route modules add to
    the one blueprint of grants/review/blueprint.py (views first, as they always were)."""
    from grants.review.blueprint import bp

    # The route modules in the order their routes were always added:
    # isort: off
    from grants.review import views  # noqa: F401
    from grants.review import rubric_views  # noqa: F401
    # isort: on

    return (bp,)
