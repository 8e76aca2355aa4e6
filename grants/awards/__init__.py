"""Multi-year awards, tranches, amendments and the grantee's light reports."""
