"""Running the portal as a service: health and readiness, metrics, logs, backups and the
production check."""
