"""Home page, language choice, health check."""
