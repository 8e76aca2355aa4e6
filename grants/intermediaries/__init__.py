"""The regranting workspace of intermediaries: pools, sub-grants, payments, upward reports."""
