"""Errors that services raise for the user to read."""


class ServiceError(Exception):
    """A rule refused the action; the message is safe to show to the user who asked."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
