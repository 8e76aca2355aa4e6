"""Rapid response: the emergency request a defender, or a partner for them, files
in one visit, the decision clock it starts, the officer's decision (money ready to send at
once) and what follows the crisis."""


def blueprints() -> tuple:
    """The blueprint the factory registers, with all its routes: the officer's pages
    (views) and the defender's request (request_views) add to grants/rapid/blueprint.py."""
    from grants.rapid import request_views, views  # noqa: F401
    from grants.rapid.blueprint import bp

    return (bp,)
