"""Calls for proposals: set up by officers, read by everyone, with a burden budget."""
