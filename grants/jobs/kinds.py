"""What each kind of outbox row means: the handlers the worker runs."""

from __future__ import annotations

from grants import notifications
from grants.jobs import schedule
from grants.jobs.worker import HANDLERS

HANDLERS["notice"] = notifications.deliver
HANDLERS["periodic"] = schedule.run
