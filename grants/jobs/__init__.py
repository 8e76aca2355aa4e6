"""Work that must not wait on a click: the outbox, the job worker and its schedule."""
