"""Organisations: registered NGOs, unregistered groups, individual defenders, intermediaries."""
