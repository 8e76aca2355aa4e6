"""Accounts: registration, log-in with two factors, sessions, recovery."""


def blueprints() -> tuple:
    """This feature's blueprints with all their routes (the factory registers them)."""
    from grants.auth import account, views, webauthn_views

    return views.bp, account.bp, webauthn_views.bp
