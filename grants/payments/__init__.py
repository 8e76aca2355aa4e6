"""Money going out (the disbursement ledger, payment routes, country context) and coming
in (donations), with Stripe for cards and transfers to connected accounts."""
