"""Administration: users and roles, the audit trail."""
