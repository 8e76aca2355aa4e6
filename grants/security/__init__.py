"""Security mechanisms: field encryption, headers, rate limits, audit log."""
