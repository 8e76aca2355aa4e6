"""The defenders' voice (IV.11, IV.12): the anonymous grantee survey, the consultation log
and the peer directory, and their figures for the portfolio."""


def blueprints() -> tuple:
    """This feature's blueprint with all its routes (the factory registers it)."""
    from grants.voice import views

    return (views.bp,)
