"""Calls for proposals and the short application form: drafts, budgets, documents."""


def blueprints() -> tuple:
    """The blueprints the factory registers, with all their routes: the calls (calls/views)
    and the applicants' journey, whose route modules add to the one blueprint of
    grants/applications/blueprint.py (views first, as they always were)."""
    from grants.applications.blueprint import bp
    from grants.applications.calls import views as calls

    # The route modules in the order their routes were always added:
    # isort: off
    from grants.applications import views  # noqa: F401
    from grants.applications import route_views  # noqa: F401
    # isort: on

    return calls.bp, bp
