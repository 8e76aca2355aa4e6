"""In-portal message threads: officers and applicants talk here, never by e-mail."""
