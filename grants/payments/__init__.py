"""Money going out (the disbursement ledger, payment routes, country context) and coming
in (donations), with Stripe for cards and transfers to connected accounts."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.payments import stripe_views, views

    return views.bp, stripe_views.bp
