"""The bench's SMTP relay (aiosmtpd, in a thread of the runner): down (nothing listens on its
port), slow (each message answered after `delay` seconds) or up (answered at once).

The tests have a relay of their own (tests/services.py) that can also hold a message and
then refuse it. The bench needs only down, slow, up and a count, and imports nothing from
tests/ (not an installed package; the tests import the bench's generator, not the reverse),
so it keeps this small one rather than reaching into the test harness.
"""

from __future__ import annotations

import asyncio
import re
import threading

from aiosmtpd.controller import Controller

from bench.server import free_port

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class Relay:
    """Keeps the Message-ID of each message it acknowledged (250), as a relay would."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.delay = 0.0
        self.ids: list[str] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        found = MESSAGE_ID.search(envelope.content)
        with self._lock:
            self.ids.append(found.group(1).decode() if found else "")
        return "250 OK"

    def up(self, delay: float = 0.0) -> Relay:
        """Listen (if not already), answering each message after `delay` seconds."""
        self.delay = delay
        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def down(self) -> None:
        """Nothing listens on the port: a connection is refused at once."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def accepted(self) -> int:
        with self._lock:
            return len(self.ids)

    def duplicates(self) -> int:
        with self._lock:
            return len(self.ids) - len(set(self.ids))

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *_exc) -> None:
        self.down()
