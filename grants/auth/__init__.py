"""Accounts: registration, log-in with two factors, sessions, recovery."""
