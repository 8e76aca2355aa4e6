"""What each kind of outbox row means: the handlers the worker runs."""

from __future__ import annotations

from grants import notifications
from grants.jobs import schedule
from grants.jobs.worker import HANDLERS, KEEP
from grants.payments import ledger

HANDLERS["notice"] = notifications.deliver
HANDLERS["periodic"] = schedule.run
HANDLERS[ledger.TRANSFER_JOB] = ledger.transfer_job
KEEP.add(ledger.TRANSFER_JOB)
