"""The embedded SQLite database holds what defenders wrote (encrypted fields aside, ids,
amounts, countries, dates): its file and the -wal and -shm files beside it are readable by
their owner only (0600), whatever the process's umask."""

from __future__ import annotations

import os
import stat

SIDE_FILES = ("", "-wal", "-shm", "-journal")


def database_path(database: str | None) -> str | None:
    """The file behind a SQLite URL's database part; None for in-memory databases."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def create_private(path: str) -> None:
    """Create the database file as 0600 before SQLite does (SQLite gives its -wal and -shm
    files the main file's mode), so it is never readable by others, not even briefly."""
    if os.path.dirname(path) and not os.path.isdir(os.path.dirname(path)):
        return  # SQLite reports the missing folder itself
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    tighten(path)


def tighten(path: str) -> None:
    """Take group and other permissions off the database and its side files we own."""
    for name in (path + suffix for suffix in SIDE_FILES):
        try:
            st = os.stat(name)
        except FileNotFoundError:
            continue
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(name, stat.S_IMODE(st.st_mode) & 0o600)
