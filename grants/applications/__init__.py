"""Calls for proposals and the short application form: drafts, budgets, documents."""
