"""Funds: budget envelopes in one currency that calls and awards draw on."""
