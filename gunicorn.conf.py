"""Gunicorn's hooks for the portal's metrics; gunicorn reads this file by itself when started
from the project's folder (or name it: `gunicorn -c gunicorn.conf.py 'grants:create_app()'`).

With several workers, each keeps its own counts: set PROMETHEUS_MULTIPROC_DIR in the
environment that starts gunicorn (a folder only the portal's user may write) and every
worker writes its counts there, which /metrics sums, whichever worker answers. The folder is
emptied when gunicorn starts, and a worker's live files are handed back when it exits.
prometheus_client is imported only inside a hook, after the variable is read: the mode it
counts in is decided when it is first imported.

gunicorn's own lines ("Booting worker ...") are written in the portal's format
(LOG_FORMAT: JSON lines in production), at gunicorn's --log-level. Other settings (bind,
workers) stay on the command line; see README "Running it as a service".
"""

from __future__ import annotations

import glob
import os


def _log_format() -> str:
    production = os.environ.get("GRANTS_ENV") == "production"
    return os.environ.get("LOG_FORMAT") or ("json" if production else "text")


# Merged into gunicorn's defaults. The root logger is left without a handler here: each
# worker's app puts the portal's one there (grants/ops/logs.py); a second would double it.
logconfig_dict = {
    "root": {"handlers": []},
    "loggers": {"gunicorn.error": {"handlers": ["portal"], "propagate": False}},
    "handlers": {"portal": {"class": "logging.StreamHandler", "formatter": "portal",
                            "stream": "ext://sys.stderr"}},
    "formatters": {"portal": {"()": "grants.ops.logs.formatter", "kind": _log_format()}},
}


def _metrics_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def on_starting(server):
    path = _metrics_dir()
    if path:
        os.makedirs(path, mode=0o700, exist_ok=True)
        for name in glob.glob(os.path.join(path, "*.db")):  # the counts of a former run
            os.remove(name)


def child_exit(server, worker):
    if _metrics_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
